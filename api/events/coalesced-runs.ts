/**
 * Runs of one pass that never overlap: a request while a pass runs asks for one more after it
 * (however many requests came meanwhile), so a burst of wake-ups costs at most two passes and
 * the last request always sees a pass that started after it. A failed pass is reported and the
 * loop goes on — the next wake-up or poll tries again. Shared by the event hub and the webhook
 * dispatcher, which are woken this way by writes, timers and each other.
 */
export class CoalescedRuns {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
    private readonly stopped: () => boolean,
  ) {}

  /** Run a pass now, or once more after the one running; resolves when no pass is owed. */
  request(): Promise<void> {
    if (this.stopped()) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.pass();
        } catch (err) {
          if (!this.stopped()) this.onError(err);
        }
      } while (this.again && !this.stopped());
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** The runs in progress, if any (awaited on close). */
  settled(): Promise<void> {
    return this.running ?? Promise.resolve();
  }
}

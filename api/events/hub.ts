/**
 * One per server process: publishes events and tells its subscribers (the SSE streams, the
 * webhook dispatcher) when the newest published id moved — whichever instance published it.
 * Subscribers then read `id > last` themselves, so the hub holds no events: a slow reader costs
 * nothing here.
 *
 * What wakes it: `written()`, called after every API write commits (api/app.ts) — the
 * in-process signal, and on the embedded default the only one needed; on PostgreSQL the same
 * call tells the other instances (db/instance-signal.ts: a NOTIFY after the commit, at most one
 * per 20 ms), whose hubs wake on it. Writes outside the API (jobs) and any lost wake-up are
 * caught by a poll each second. A wake-up always comes after the commit, so it is never ahead
 * of the data.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { OperationalDb } from '../../db/operational.ts';
import type { DB } from '../../db/schema.ts';
import { CoalescedRuns } from './coalesced-runs.ts';
import { publishAll } from './publish.ts';
import { InstanceSignal } from '../../db/instance-signal.ts';

/** The fallback for events written outside the API and for lost wake-ups. */
export const POLL_MS = 1_000;
export const EVENTS_CHANNEL = 'salesops_events';

export type Subscriber = (lastId: number) => void;

export class EventHub {
  private readonly subscribers = new Set<Subscriber>();
  private readonly closeListeners = new Set<() => void>();
  private signal: InstanceSignal | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly runs = new CoalescedRuns(
    () => this.pass(),
    (err) => this.log.warn({ err }, 'publishing events failed; retrying on the next tick'),
    () => this.closed,
  );
  private closed = false;
  /** The newest published id this hub has seen (0 before the first pass). */
  lastId = 0;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly log: Logger,
    private readonly pollMs = POLL_MS,
  ) {}

  /** Hear other instances, start polling, and make one pass at once. */
  async start(ops: OperationalDb, instance: string): Promise<void> {
    this.signal = new InstanceSignal(ops, {
      channel: EVENTS_CHANNEL,
      instance,
      everyMs: 20,
      what: 'events',
      onOther: () => void this.wake(),
      log: this.log,
    });
    await this.signal.listen();
    this.tick();
    await this.wake();
  }

  /** A write that may have recorded events committed in this process. */
  written(): void {
    void this.wake();
    this.signal?.tell();
  }

  /** Called with the newest id whenever it moves; returns the unsubscribe. */
  subscribe(fn: Subscriber): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  /**
   * Called once when the hub closes, as the server shuts down: a long-lived reader (an event
   * stream) ends itself then, or the server would wait for its client forever. Returns the
   * unsubscribe.
   */
  onClose(fn: () => void): () => void {
    if (this.closed) {
      // A reader that started as the server was stopping ends at once, not never.
      queueMicrotask(fn);
      return () => {};
    }
    this.closeListeners.add(fn);
    return () => this.closeListeners.delete(fn);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Publish now; passes never overlap, and a wake-up during one runs one more after it. */
  wake(): Promise<void> {
    return this.runs.request();
  }

  private async pass(): Promise<void> {
    await publishAll(this.db);
    const row = await this.db.selectFrom('event_counter').select('last').executeTakeFirst();
    const last = Number(row?.last ?? 0);
    if (last <= this.lastId) return;
    this.lastId = last;
    for (const fn of this.subscribers) {
      try {
        fn(last);
      } catch (err) {
        this.log.warn({ err }, 'an event subscriber failed');
      }
    }
  }

  private tick(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      void this.wake().finally(() => this.tick());
    }, this.pollMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    for (const fn of this.closeListeners) {
      try {
        fn();
      } catch (err) {
        this.log.warn({ err }, 'an event reader failed to close');
      }
    }
    this.closeListeners.clear();
    await this.signal?.close();
    await this.runs.settled();
    this.subscribers.clear();
  }
}

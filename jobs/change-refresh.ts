/**
 * The change-driven refresh: API writes mark the warehouse stale (in this process, and through
 * LISTEN/NOTIFY on PostgreSQL from other instances: jobs/changes.ts), and while stale an
 * ingest → build cycle starts at most every SALESOPS_REFRESH_SECONDS. The runtime
 * (jobs/runtime.ts) owns one and runs the cycle's jobs; this file keeps the staleness
 * bookkeeping: since when the warehouse is behind, and when the next cycle may start.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import {
  cycleCaughtUp,
  type CycleRuns,
  type RefreshCycleRuns,
  runRefreshCycle,
} from './refresh-cycle.ts';
import type { JobTrigger } from './types.ts';

export class ChangeRefresh {
  // `staleSince` is the oldest write not yet picked up by a cycle; `cycleSince` the oldest write
  // the running cycle is bringing in.
  private staleSince: Date | undefined;
  private cycleSince: Date | undefined;
  private lastCycleAt = 0;
  private cycleTimer: NodeJS.Timeout | undefined;
  private cycle: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly runs: CycleRuns,
    private readonly config: Pick<Config, 'scheduler' | 'refreshSeconds'>,
    private readonly log: Logger,
  ) {}

  /**
   * An API write to business data committed: the warehouse is behind. Only instances that run
   * the scheduler refresh; the others leave it to the NOTIFY (jobs/changes.ts).
   */
  markStale(at: Date = new Date()): void {
    if (this.stopped || !this.config.scheduler) return;
    if (!this.staleSince || at < this.staleSince) this.staleSince = at;
    this.planCycle();
  }

  /** The oldest write not yet in the warehouse (epoch ms), or undefined when it is up to date. */
  behindSince(): number | undefined {
    const oldest = [this.staleSince, this.cycleSince].filter((d): d is Date => Boolean(d));
    return oldest.length ? Math.min(...oldest.map((d) => d.getTime())) : undefined;
  }

  private planCycle(): void {
    if (this.cycleTimer || this.cycle || this.stopped || !this.staleSince) return;
    const wait = Math.max(0, this.lastCycleAt + this.config.refreshSeconds * 1000 - Date.now());
    this.cycleTimer = setTimeout(() => {
      this.cycleTimer = undefined;
      this.cycle = this.refresh('change')
        .then(
          () => {},
          (e: unknown) => this.log.error({ err: e }, 'refresh cycle failed'),
        )
        .finally(() => {
          this.cycle = undefined;
          this.planCycle();
        });
    }, wait);
    this.cycleTimer.unref();
  }

  /**
   * One ingest → build cycle, awaited to its end (the chained build and segment included). Used by the
   * change-driven loop and by the first start. Returns the records of its runs (jobs/refresh-cycle.ts).
   */
  async refresh(trigger: JobTrigger): Promise<RefreshCycleRuns> {
    this.lastCycleAt = Date.now();
    const since = this.staleSince;
    this.staleSince = undefined;
    this.cycleSince = since;
    try {
      const runs = await runRefreshCycle(this.runs, trigger);
      // A failed cycle leaves the warehouse behind: try again after the interval.
      if (!cycleCaughtUp(runs)) this.markStale(since ?? new Date());
      return runs;
    } finally {
      this.cycleSince = undefined;
    }
  }

  /** Shutdown: no more cycles (one running is aborted with the runtime's runs). */
  stop(): void {
    this.stopped = true;
    if (this.cycleTimer) clearTimeout(this.cycleTimer);
  }
}

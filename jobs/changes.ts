/**
 * "Business data changed": what makes the warehouse stale. An API write to business data calls
 * `written()` once it has committed (api/route.ts; bookkeeping routes — job, ingest and model
 * runs, keys — do not). That marks this instance's warehouse stale at once and, on PostgreSQL,
 * tells every other instance (db/instance-signal.ts: a NOTIFY after the commit, at most once a
 * second), so an instance serving reports learns of an order another instance took. The refresh
 * cycle's own writes (job_runs, the ingest's log) go through no route, so a cycle never
 * re-triggers itself.
 */
import type { Logger } from 'pino';
import { InstanceSignal } from '../db/instance-signal.ts';
import type { OperationalDb } from '../db/operational.ts';

export const CHANNEL = 'salesops_changes';

export class ChangeSignal {
  private readonly signal: InstanceSignal;
  private closed = false;

  constructor(
    ops: OperationalDb,
    instance: string,
    /** This instance's reaction: the runtime's markStale (a no-op without the scheduler). */
    private readonly onChange: (at: Date) => void,
    log: Logger,
  ) {
    this.signal = new InstanceSignal(ops, {
      channel: CHANNEL,
      instance,
      everyMs: 1_000,
      what: 'changes',
      // Another instance's write — or writes missed while the listener was down: a change.
      onOther: () => this.onChange(new Date()),
      log,
    });
  }

  /** A write to business data committed in this process. */
  written(): void {
    if (this.closed) return;
    this.onChange(new Date());
    this.signal.tell();
  }

  /** Hear other instances' writes. */
  listen(): Promise<void> {
    return this.signal.listen();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.signal.close();
  }
}

/**
 * "Business data changed": what makes the warehouse stale. An API write to business data calls
 * `written()` once it has committed (api/route.ts; bookkeeping routes — job, ingest and model
 * runs, keys — do not). That marks this instance's warehouse stale at once and, on PostgreSQL,
 * tells every other instance through NOTIFY, so an instance serving reports learns of an order
 * another instance took. The refresh cycle's own writes (job_runs, the ingest's log) go through
 * no route, so a cycle never re-triggers itself.
 *
 * The NOTIFY is its own autocommit statement after the write, not part of the write's
 * transaction: PostgreSQL serialises the commits of notifying transactions on one global lock,
 * which would throttle order throughput; and it is sent at most once a second per instance.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import type { OperationalDb } from '../db/operational.ts';

export const CHANNEL = 'salesops_changes';
const NOTIFY_EVERY_MS = 1_000;
const RELISTEN_MS = 5_000;

export class ChangeSignal {
  private lastNotify = 0;
  private pendingNotify: NodeJS.Timeout | undefined;
  private listener: pg.PoolClient | undefined;
  private relisten: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly ops: OperationalDb,
    private readonly instance: string,
    /** This instance's reaction: the runtime's markStale (a no-op without the scheduler). */
    private readonly onChange: (at: Date) => void,
    private readonly log: Logger,
  ) {}

  /** A write to business data committed in this process. */
  written(): void {
    if (this.closed) return;
    this.onChange(new Date());
    if (this.ops.kind === 'postgres') this.notifySoon();
  }

  private notifySoon(): void {
    if (this.pendingNotify) return;
    const wait = Math.max(0, this.lastNotify + NOTIFY_EVERY_MS - Date.now());
    this.pendingNotify = setTimeout(() => {
      this.pendingNotify = undefined;
      this.lastNotify = Date.now();
      this.ops.pool
        .query('SELECT pg_notify($1, $2)', [CHANNEL, this.instance])
        .catch((err: unknown) => this.log.warn({ err }, 'could not notify other instances'));
    }, wait);
    this.pendingNotify.unref();
  }

  /** Hear other instances' writes (PostgreSQL only; the embedded database has one process). */
  async listen(): Promise<void> {
    if (this.ops.kind !== 'postgres' || this.closed) return;
    try {
      const client = await this.ops.pool.connect();
      client.on('notification', (msg) => {
        if (msg.channel === CHANNEL && msg.payload !== this.instance) this.onChange(new Date());
      });
      client.on('error', (err) => {
        this.log.warn({ err }, 'lost the change listener; listening again shortly');
        this.dropListener(err);
      });
      await client.query(`LISTEN ${CHANNEL}`);
      this.listener = client;
    } catch (err) {
      this.log.warn({ err }, 'could not listen for other instances’ changes; retrying');
      this.retryListen();
    }
  }

  private dropListener(err?: Error): void {
    const client = this.listener;
    this.listener = undefined;
    client?.release(err ?? true);
    // Writes made while nobody listened are missed: count them as a change.
    this.onChange(new Date());
    this.retryListen();
  }

  private retryListen(): void {
    if (this.closed || this.relisten) return;
    this.relisten = setTimeout(() => {
      this.relisten = undefined;
      void this.listen();
    }, RELISTEN_MS);
    this.relisten.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.pendingNotify) {
      // The last writes' news is still due: send it rather than drop it.
      clearTimeout(this.pendingNotify);
      await this.ops.pool
        .query('SELECT pg_notify($1, $2)', [CHANNEL, this.instance])
        .catch(() => {});
    }
    clearTimeout(this.relisten);
    const client = this.listener;
    this.listener = undefined;
    if (client) {
      await client.query(`UNLISTEN ${CHANNEL}`).catch(() => {});
      client.release();
    }
  }
}

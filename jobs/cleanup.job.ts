/**
 * `cleanup`: forget what is only kept for a while.
 * - Idempotency keys older than a day: a client retries a request within minutes, and Stripe,
 *   whose scheme ours follows, keeps keys 24 hours. Without this the table only grew.
 * - Job, ingest and model run history, and analysts' SQL history (api/sql/history.ts), older
 *   than SALESOPS_HISTORY_DAYS (default 90). The
 *   warehouse part waits for the warehouse's turn, so it never races an ingest or a build.
 * - Events published more than SALESOPS_EVENT_RETENTION_DAYS ago (default 90) leave the outbox
 *   (api/events/retention.ts); the warehouse keeps its copy, and a feed resume from before
 *   them answers 410. Webhook deliveries finished that long ago go too, with their attempts
 *   (api/webhooks/prune.ts): the delivery log lasts as long as the events it delivered.
 * - Hard-delete tombstones (`deleted_rows`) older than SALESOPS_EVENT_RETENTION_DAYS that this
 *   instance's warehouse has consumed (ingest/tombstones.ts, which says why this job decides it
 *   from its own warehouse and how any other warehouse that missed them converges). The
 *   warehouse copy, raw.deleted_rows, follows at each instance's next ingest.
 * - The scheduled reports' images older than SALESOPS_REPORT_RETENTION_DAYS (default 30): a
 *   weekly report's picture is looked at that week; the live dashboard keeps the history. Their
 *   report.ready events stay (with the events' own retention), their image links answer 404.
 * Nothing here is business data (the events' copy in the warehouse stays; the tombstones' deletes
 * are in it already), so nothing here makes the warehouse stale.
 */
import { sql } from 'kysely';
import { pruneEvents } from '../api/events/retention.ts';
import { pruneDeliveries } from '../api/webhooks/prune.ts';
import { deleteSnapshotsOlderThan } from '../api/report-snapshots/repository.ts';
import { deleteHistoryOlderThan } from '../api/sql/history.ts';
import { pruneTombstones, readConsumedThrough } from '../ingest/tombstones.ts';
import { deleteRunsOlderThan } from './history.ts';
import type { JobDefinition } from './types.ts';

export const IDEMPOTENCY_KEY_HOURS = 24;

/** Warehouse log tables and the column that dates their rows. */
const WAREHOUSE_HISTORY: readonly [table: string, dated: string][] = [
  [
    'raw._ingest_run_tables',
    'run_id IN (SELECT run_id FROM raw._ingest_runs WHERE started_at < $1)',
  ],
  ['raw._ingest_runs', 'started_at < $1'],
  ['meta.test_results', 'finished_at < $1'],
  ['meta.model_runs', 'finished_at < $1'],
  ['meta.source_freshness', 'checked_at < $1'],
  ['meta.runs', 'started_at < $1'],
];

export const cleanupJob: JobDefinition = {
  name: 'cleanup',
  description:
    'delete expired idempotency keys, run and SQL history older than SALESOPS_HISTORY_DAYS, events, finished webhook deliveries and consumed hard-delete tombstones older than SALESOPS_EVENT_RETENTION_DAYS, and report images older than SALESOPS_REPORT_RETENTION_DAYS',
  defaultSchedule: '30 3 * * *',
  resource: 'database',
  managersMayRun: false,
  async run(ctx) {
    const days = ctx.app.config.historyDays;
    const keys = await sql`
      DELETE FROM idempotency_keys
      WHERE created_at < clock_timestamp() - make_interval(hours => ${IDEMPOTENCY_KEY_HOURS})`.execute(
      ctx.app.ops.db,
    );
    const jobRuns = await deleteRunsOlderThan(ctx.app.ops.db, days);
    const sqlHistory = await deleteHistoryOlderThan(ctx.app.ops.db, days);
    const eventRetentionDays = ctx.app.config.eventRetentionDays;
    const pruned = await pruneEvents(ctx.app.ops.db, eventRetentionDays);
    const deliveryLog = await pruneDeliveries(ctx.app.ops.db, eventRetentionDays);
    const reportDays = ctx.app.config.reportRetentionDays;
    const reportSnapshots = await deleteSnapshotsOlderThan(ctx.app.ops.db, reportDays);
    let warehouseRows = 0;
    // Without a warehouse nothing here can say which tombstones were consumed: none go.
    let consumedThrough: string | null = null;
    const warehouse = ctx.app.warehouse;
    if (warehouse) {
      const cutoff = new Date(Date.now() - days * 86_400_000).toISOString();
      [warehouseRows, consumedThrough] = await ctx.warehouseTurn(async () => {
        const conn = await warehouse.connect();
        let n = 0;
        try {
          // Before the run history below goes: the run that sets the mark may be among it.
          const through = await readConsumedThrough(conn);
          for (const [table, where] of WAREHOUSE_HISTORY) {
            try {
              const r = await conn.run(`DELETE FROM ${table} WHERE ${where}`, [cutoff]);
              n += Number(r.rowsChanged);
            } catch (e) {
              // Not created yet: this warehouse was never ingested or built.
              if (!/does not exist/i.test(String(e))) throw e;
            }
          }
          return [n, through] as const;
        } finally {
          conn.closeSync();
        }
      });
    }
    // Outside the warehouse's turn: an ingest need not wait for PostgreSQL's deletes, and a
    // mark read before it only grows.
    const tombstones = await pruneTombstones(ctx.app.ops.db, eventRetentionDays, consumedThrough);
    const idempotencyKeys = Number(keys.numAffectedRows ?? 0);
    const events = pruned.removed;
    const webhookDeliveries = deliveryLog.deliveries + deliveryLog.attempts;
    const rows =
      idempotencyKeys +
      jobRuns +
      sqlHistory +
      events +
      webhookDeliveries +
      reportSnapshots +
      tombstones +
      warehouseRows;
    return {
      status: rows ? 'succeeded' : 'skipped',
      rows,
      detail: {
        idempotencyKeys,
        jobRuns,
        sqlHistory,
        events,
        eventsPrunedThrough: pruned.prunedThrough,
        webhookDeliveries: deliveryLog.deliveries,
        webhookAttempts: deliveryLog.attempts,
        reportSnapshots,
        tombstones,
        tombstonesConsumedThrough: consumedThrough,
        warehouseRows,
        historyDays: days,
        eventRetentionDays,
        reportRetentionDays: reportDays,
      },
    };
  },
};

/**
 * Retention of `deleted_rows`, the hard-delete tombstones the triggers write for the ingest
 * (db/migrations/0001_operational_schema/change-tracking.ts). Nothing else reads them, and
 * nothing removed them: the table, and `raw.deleted_rows` with it, only grew.
 *
 * The cleanup job deletes a tombstone when it is BOTH older than SALESOPS_EVENT_RETENTION_DAYS
 * (the change log of deletes is kept as long as the change feed of events: the window in which
 * a reader that fell behind still catches up incrementally) AND older than what this instance's
 * warehouse has consumed (`readConsumedThrough`).
 *
 * Where the decision is made, and why there. The watermarks live only in each warehouse
 * (raw._ingest_runs, committed with the data, ingest/state.ts), and every instance on one
 * PostgreSQL has its own DuckDB file; PostgreSQL records no warehouse's progress. The cleanup
 * job runs once per slot in whichever instance takes it, reads that instance's watermark in the
 * warehouse's turn, and deletes in PostgreSQL. It cannot see the other instances' warehouses —
 * and need not: any warehouse that ingested successfully within the retention window consumed
 * everything older (a tombstone older than the window is older than that run's watermark). A
 * warehouse that did not (an instance down for longer than the window, one restored from an old
 * backup) misses the pruned deletes, and converges anyway: its incremental merge leaves more rows
 * than PostgreSQL has (what it misses is deletes; inserts and updates still arrive by
 * `updated_at`), the count check after merging sees it (the table's statistics fingerprint moved
 * with those deletes, so PostgreSQL's count is taken, fingerprint.ts), and that table is
 * reloaded in full from the same snapshot, with a warning (run.ts transferAll).
 * test/ingest-tombstones.test.ts proves it with a second warehouse that never saw them. Pruning
 * in the ingest job instead would not be safer: each instance's ingest would still prune by its
 * own watermark, and every run (each 15 minutes, and after writes) would pay for the deletes.
 *
 * The warehouse copy follows by itself: an incremental run whose `deleted_rows` lost rows since
 * the last run removes from `raw.deleted_rows` what PostgreSQL no longer holds (extract.ts
 * resolveIncremental, loader.ts), in every instance, inside the run's transaction, and keeps
 * whatever a table of the run still reads.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { sql, type Kysely } from 'kysely';
import { deleteInBatches } from '../db/batched-delete.ts';
import type { DB } from '../db/schema.ts';
import { DEFAULT_LAG_MS } from './run.ts';

/** Tombstones removed per statement: one range of the updated_at index, a short lock each. */
export const PRUNE_TOMBSTONES_BATCH = 10_000;

/**
 * The time before which this warehouse will never read a tombstone again (UTC text), or null
 * when it cannot say (never ingested, or no run that copied every table is left in its log).
 *
 * It is the snapshot bound of the newest successful run that copied every table, less the
 * safety lag: that run left every table's watermark at its bound, and a later incremental run
 * reads a table's hard deletes from its watermark − lag on (loader.ts applyHardDeletes). A run
 * limited to some tables (`--tables`) does not count: the others keep older watermarks and will
 * still read the tombstones since then. Watermarks only grow, so a mark read a moment ago is
 * never past what is consumed now.
 */
export async function readConsumedThrough(
  conn: DuckDBConnection,
  lagMs = DEFAULT_LAG_MS,
): Promise<string | null> {
  try {
    const r = await conn.runAndReadAll(
      `SELECT CAST(max(snapshot_bound) - to_milliseconds(CAST($1 AS BIGINT)) AS VARCHAR) AS through
       FROM raw._ingest_runs
       WHERE status = 'succeeded' AND coalesce(len(requested_tables), 0) = 0`,
      [Math.max(0, Math.round(lagMs))],
    );
    const through = r.getRowObjects()[0]?.through;
    return through === null || through === undefined ? null : String(through);
  } catch (e) {
    // No log table yet: this warehouse was never ingested.
    if (/does not exist/i.test(String(e))) return null;
    throw e;
  }
}

/**
 * Delete the tombstones older than `days` days and than `consumedThrough`; returns how many.
 * Nothing when `consumedThrough` is null (least() would skip a NULL and prune by age alone).
 */
export async function pruneTombstones(
  db: Kysely<DB>,
  days: number,
  consumedThrough: string | null,
  batch = PRUNE_TOMBSTONES_BATCH,
): Promise<number> {
  if (consumedThrough === null) return 0;
  // Oldest first, so an interrupted prune leaves what a warehouse expects: a suffix by
  // updated_at (the ingest trims its copy below PostgreSQL's oldest tombstone).
  return deleteInBatches(batch, async (limit) => {
    const r = await sql`
      DELETE FROM deleted_rows WHERE id IN (
        SELECT id FROM deleted_rows
        WHERE updated_at < least(clock_timestamp() - make_interval(days => ${days}),
                                 ${consumedThrough}::timestamptz)
        ORDER BY updated_at
        LIMIT ${limit})`.execute(db);
    return Number(r.numAffectedRows ?? 0);
  });
}

/**
 * A cheap "has this table gained or lost rows?" signal, so an incremental run need not count
 * every table in PostgreSQL. The count is what catches a hard delete that deleted_rows did not
 * record (a table without the trigger, TRUNCATE, triggers disabled) and rows inserted with an old
 * updated_at; but count(*) reads the whole table once an UPDATE has cleared its visibility map:
 * measured on 1 M order lines after updating 1 % of them, 2.3 s of a 3.6 s incremental run.
 *
 * The signal is PostgreSQL's cumulative statistics: rows inserted and deleted, live rows, the
 * file node (TRUNCATE, VACUUM FULL and rewrites change it), plus the time statistics were last
 * reset and the server started (a reset or a crash zeroes the counters). When the fingerprint
 * equals the previous run's, the table has the row count it had then; when anything differs,
 * including harmless changes such as ANALYZE refreshing n_live_tup, the run counts as before.
 *
 * Why it is sound, and its one delay: counters are read BEFORE the snapshot, and a counter only
 * moves once the transaction that moved it has ended, so everything it reflects is in the
 * snapshot. A change whose counters a backend has not flushed yet (PostgreSQL flushes when a
 * session goes idle, at most once a second: up to ~10 s later for a busy session, 60 s at worst)
 * is missed by this run's check and caught by the next run's, whose fingerprint then differs. A
 * stale fingerprint can also make the carried-over count wrong the other way; a mismatch found
 * with a carried-over count is therefore counted for real before anything is reloaded
 * (pipeline.ts).
 *
 * On the embedded PGlite every connection is the one backend, which flushes its counters only
 * when idle and at most once a second, so a fingerprint read at once after a write would miss
 * it. `pg_stat_force_next_flush()` first makes the next idle moment flush everything committed
 * so far; a write another connection slips in between the two statements is the same delay as
 * above, caught by the next run. It matters there more than anywhere: PGlite has no autovacuum,
 * so no visibility map, and every count(*) reads its whole table on the main thread while the
 * API waits for the session — the 27 tables of the 20,000-order demo cost 110–130 ms per run.
 */
import type pg from 'pg';

/** Fingerprint per table of `public`; empty when the statistics cannot be trusted. */
export async function readTableFingerprints(
  client: pg.PoolClient,
  kind: 'postgres' | 'embedded',
): Promise<Map<string, string>> {
  if (kind === 'embedded') await client.query('SELECT pg_stat_force_next_flush()');
  const r = await client.query<{ table_name: string; fingerprint: string }>(`
    SELECT s.relname AS table_name,
           concat_ws('/', pg_relation_filenode(s.relid), s.n_tup_ins, s.n_tup_del, s.n_live_tup,
                     d.stats_reset, pg_postmaster_start_time()) AS fingerprint
    FROM pg_stat_user_tables s
    JOIN pg_stat_database d ON d.datname = current_database()
    WHERE s.schemaname = 'public' AND current_setting('track_counts') = 'on'`);
  return new Map(r.rows.map((row) => [row.table_name, row.fingerprint]));
}

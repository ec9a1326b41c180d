/**
 * Which models a scheduled build must rebuild: those whose inputs changed since they were last
 * published. Read from the warehouse's own logs (the ingest's per-table results, the engine's
 * run records), not from memory, so it stays right across restarts, manual `salesops ingest`
 * runs, failed builds (a failed build publishes nothing, so its models stay due) and history
 * cleanup (a forgotten change only means a rebuild that was not needed).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { ensureMeta, PUBLISHED_RUN } from '../models/engine/meta.ts';
import type { Project } from '../models/engine/project.ts';

async function rows(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  try {
    return (await conn.runAndReadAll(sql)).getRowObjects() as Record<string, unknown>[];
  } catch (e) {
    // A warehouse that was never ingested or built has no log tables yet.
    if (/does not exist/i.test(String(e))) return [];
    throw e;
  }
}

/**
 * The models to rebuild, in build order: never published, or reading (directly) a raw table an
 * ingest changed after the model's last published build (a run whose source freshness check
 * failed still publishes; one with a failed model publishes nothing), or downstream of a model that is due
 * or was published after it.
 */
export async function modelsDue(conn: DuckDBConnection, project: Project): Promise<string[]> {
  // A warehouse from before builds were published lacks meta.runs.published until this adds it.
  await ensureMeta(conn);
  // Epoch milliseconds as BIGINT: no time zone or precision games between DuckDB and JavaScript.
  const changed = new Map<string, number>();
  for (const r of await rows(
    conn,
    `SELECT 'raw.' || t.table_name AS source, epoch_ms(max(r.finished_at)) AS at
     FROM raw._ingest_run_tables t JOIN raw._ingest_runs r USING (run_id)
     WHERE r.status = 'succeeded' AND t.status = 'succeeded'
       AND (t.mode = 'full' OR t.rows_merged > 0 OR t.rows_deleted > 0)
     GROUP BY 1`,
  )) {
    changed.set(String(r.source), Number(r.at));
  }
  const built = new Map<string, number>();
  for (const r of await rows(
    conn,
    `SELECT m.model, epoch_ms(max(r.started_at)) AS at
     FROM meta.model_runs m JOIN meta.runs r USING (run_id)
     WHERE ${PUBLISHED_RUN} AND r.command IN ('run', 'build') AND m.status = 'success'
     GROUP BY 1`,
  )) {
    built.set(String(r.model), Number(r.at));
  }

  const due = new Set<string>();
  for (const name of project.dag.order) {
    const m = project.models.get(name)!;
    const at = built.get(name);
    const stale =
      at === undefined ||
      m.sources.some((s) => (changed.get(s) ?? -Infinity) > at) ||
      [...project.dag.parents.get(name)!].some(
        (p) => due.has(p) || (built.get(p) ?? -Infinity) > at,
      );
    if (stale) due.add(name);
  }
  return project.dag.order.filter((n) => due.has(n));
}

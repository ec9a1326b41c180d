/**
 * Run history and lineage in the warehouse's `meta` schema, so the API and the dashboards read
 * the state of the models from the same place the models live, whichever process built them.
 *
 * - meta.models          the catalog of the project as last loaded (one row per model)
 * - meta.lineage         direct edges model ← parent (a model or a source table)
 * - meta.runs            one row per run/test/build invocation; status running → success | error,
 *                        or interrupted when its AbortSignal fired or the process died mid-run
 *                        (see closeStaleRuns); published says whether its models went live
 * - meta.model_runs      one row per model per invocation, with when its work started and ended
 * - meta.test_results    one row per test per invocation
 * - meta.source_freshness one row per checked source table per invocation
 */
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { inTransaction } from './duck.ts';
import type { FreshnessOutcome } from './freshness.ts';
import type { ModelOutcome } from './materialize.ts';
import { relationOf, type Project } from './project.ts';

const DDL = `
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.models (
  name VARCHAR, schema_name VARCHAR, relation VARCHAR, file VARCHAR, layer VARCHAR,
  materialized VARCHAR, unique_key VARCHAR[], tags VARCHAR[], description VARCHAR,
  columns JSON, tests JSON, upstream VARCHAR[], downstream VARCHAR[], sources VARCHAR[],
  loaded_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS meta.lineage (
  model VARCHAR, parent VARCHAR, parent_kind VARCHAR);
CREATE TABLE IF NOT EXISTS meta.runs (
  run_id VARCHAR, command VARCHAR, selector VARCHAR, full_refresh BOOLEAN,
  started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ, status VARCHAR,
  models_ok INTEGER, models_failed INTEGER, models_skipped INTEGER,
  tests_failed INTEGER, tests_warned INTEGER, duration_ms BIGINT);
CREATE TABLE IF NOT EXISTS meta.model_runs (
  run_id VARCHAR, model VARCHAR, command VARCHAR, mode VARCHAR, status VARCHAR,
  rows BIGINT, rows_changed BIGINT, duration_ms BIGINT, finished_at TIMESTAMPTZ, error VARCHAR,
  tests_passed INTEGER, tests_failed INTEGER, tests_warned INTEGER, started_at TIMESTAMPTZ);
-- Warehouses whose meta predates started_at get it here (NULL for their old rows).
ALTER TABLE meta.model_runs ADD COLUMN IF NOT EXISTS started_at TIMESTAMPTZ;
-- Whether the run's models were made live (NULL on runs from before builds were published
-- together: each model that succeeded was live at once then).
ALTER TABLE meta.runs ADD COLUMN IF NOT EXISTS published BOOLEAN;
CREATE TABLE IF NOT EXISTS meta.test_results (
  run_id VARCHAR, model VARCHAR, test_id VARCHAR, test_name VARCHAR, kind VARCHAR,
  severity VARCHAR, status VARCHAR, failures BIGINT, duration_ms BIGINT, message VARCHAR,
  finished_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS meta.source_freshness (
  run_id VARCHAR, source VARCHAR, loaded_at_field VARCHAR, max_loaded_at TIMESTAMPTZ,
  age_hours DOUBLE, status VARCHAR, message VARCHAR, checked_at TIMESTAMPTZ);
`;

/**
 * SQL: is the meta.runs row aliased `r` a published build? Flagged so, or from before the flag
 * existed and successful (each model that succeeded was live at once then). The refresh cycle,
 * the segment job and the ops views all decide "built since" by this one rule.
 */
export const PUBLISHED_RUN = `(r.published OR (r.published IS NULL AND r.status = 'success'))`;

/** Create the meta schema and tables when missing. */
export async function ensureMeta(conn: DuckDBConnection): Promise<void> {
  await conn.run(DDL);
}

const json = (v: unknown) => JSON.stringify(v);

/**
 * INSERT every row in one statement: `row` is the VALUES tuple for one row with $1…$k, renumbered
 * per row. Meta writes are pure overhead over the model SQL; one statement per table instead of
 * one per row (~150 catalog and lineage rows, ~230 test rows per full build) saves round trips.
 */
async function insertRows(
  conn: DuckDBConnection,
  into: string,
  row: string,
  rows: readonly DuckDBValue[][],
): Promise<void> {
  if (rows.length === 0) return;
  const tuples = rows.map((values, i) =>
    row.replace(/\$(\d+)/g, (_, n: string) => `$${i * values.length + Number(n)}`),
  );
  await conn.run(`INSERT INTO ${into} VALUES ${tuples.join(', ')}`, rows.flat());
}

/** Replace the catalog and lineage with the project as loaded now. */
export async function recordCatalog(conn: DuckDBConnection, project: Project): Promise<void> {
  await inTransaction(conn, async () => {
    await conn.run('DELETE FROM meta.models; DELETE FROM meta.lineage;');
    const models = [...project.models.values()];
    await insertRows(
      conn,
      'meta.models',
      `($1, $2, $3, $4, $5, $6, CAST($7::JSON AS VARCHAR[]), CAST($8::JSON AS VARCHAR[]), $9,
        $10::JSON, $11::JSON, CAST($12::JSON AS VARCHAR[]), CAST($13::JSON AS VARCHAR[]),
        CAST($14::JSON AS VARCHAR[]), now())`,
      models.map((m) => {
        const tests = [
          ...m.config.tests.map((t) => ({
            id: `${m.name}.${t.name}`,
            kind: t.kind,
            severity: t.severity,
          })),
          ...project.tests
            .filter((t) => t.model === m.name)
            .map((t) => ({ id: `tests/${t.name}`, kind: 'custom', severity: t.severity })),
        ];
        return [
          m.name,
          m.schema,
          relationOf(m),
          m.file,
          m.layer,
          m.materialized,
          json(m.config.uniqueKey),
          json(m.config.tags),
          m.config.description ?? null,
          json(m.config.columns),
          json(tests),
          json([...project.lineage.parents.get(m.name)!].sort()),
          json([...project.lineage.children.get(m.name)!].sort()),
          json(m.sources),
        ];
      }),
    );
    await insertRows(conn, 'meta.lineage', '($1, $2, $3)', [
      ...models.flatMap((m) => m.refs.map((p) => [m.name, p, 'model'])),
      ...models.flatMap((m) => m.sources.map((src) => [m.name, src, 'source'])),
    ]);
  });
}

/** Identifies one invocation in every meta table. */
export interface RunRecord {
  runId: string;
  command: string;
  selector: string;
  fullRefresh: boolean;
  startedAt: Date;
}

/** Record that a run started (status 'running' until finishRun). */
export async function startRun(conn: DuckDBConnection, r: RunRecord): Promise<void> {
  await conn.run(
    `INSERT INTO meta.runs (run_id, command, selector, full_refresh, started_at, status, published)
     VALUES ($1, $2, $3, $4, $5::TIMESTAMPTZ, 'running', false)`,
    [r.runId, r.command, r.selector, r.fullRefresh, r.startedAt.toISOString()],
  );
}

/**
 * Mark runs still 'running' as 'interrupted' (finished_at stays NULL: when they died is unknown)
 * and return how many. Only called by a run that holds the warehouse: runs are serialised per
 * warehouse in a process and the file is locked to one process, so a 'running' row seen then
 * belongs to a process that was killed or crashed mid-run, not to a live one.
 */
export async function closeStaleRuns(conn: DuckDBConnection): Promise<number> {
  const rows = await conn.runAndReadAll(
    `UPDATE meta.runs SET status = 'interrupted' WHERE status = 'running'`,
  );
  return Number(rows.getRowsJson()[0]?.[0] ?? 0);
}

/** Record one model's outcome and its tests. */
export async function recordModel(
  conn: DuckDBConnection,
  r: RunRecord,
  o: ModelOutcome,
): Promise<void> {
  const count = (s: string) => o.tests.filter((t) => t.status === s).length;
  await inTransaction(conn, async () => {
    await conn.run(
      `INSERT INTO meta.model_runs (run_id, model, command, mode, status, rows, rows_changed,
         duration_ms, finished_at, error, tests_passed, tests_failed, tests_warned, started_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $13::TIMESTAMPTZ, $9, $10, $11, $12,
         $14::TIMESTAMPTZ)`,
      [
        r.runId,
        o.model,
        r.command,
        o.mode,
        o.status,
        o.rows,
        o.rowsChanged,
        o.durationMs,
        o.error ?? null,
        count('pass'),
        count('fail'),
        count('warn'),
        o.finishedAt,
        o.startedAt,
      ],
    );
    await insertRows(
      conn,
      'meta.test_results',
      '($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())',
      o.tests.map((t) => [
        r.runId,
        t.model,
        t.id,
        t.name,
        t.kind,
        t.severity,
        t.status,
        t.failures,
        t.durationMs,
        t.message ?? null,
      ]),
    );
  });
}

/** Record the freshness checks of a run. */
export async function recordFreshness(
  conn: DuckDBConnection,
  r: RunRecord,
  results: readonly FreshnessOutcome[],
): Promise<void> {
  for (const f of results) {
    await conn.run(
      `INSERT INTO meta.source_freshness VALUES ($1, $2, $3, $4::TIMESTAMPTZ, $5, $6, $7, now())`,
      [r.runId, f.source, f.loadedAtField, f.maxLoadedAt, f.ageHours, f.status, f.message ?? null],
    );
  }
}

/** Close the run row with its totals and whether its models were published. */
export async function finishRun(
  conn: DuckDBConnection,
  r: RunRecord,
  status: 'success' | 'error' | 'interrupted',
  outcomes: readonly ModelOutcome[],
  durationMs: number,
  published: boolean,
): Promise<void> {
  const tests = outcomes.flatMap((o) => o.tests);
  await conn.run(
    `UPDATE meta.runs SET finished_at = now(), status = $2, models_ok = $3, models_failed = $4,
       models_skipped = $5, tests_failed = $6, tests_warned = $7, duration_ms = $8,
       published = $9
     WHERE run_id = $1`,
    [
      r.runId,
      status,
      outcomes.filter((o) => o.status === 'success').length,
      outcomes.filter((o) => o.status === 'error').length,
      outcomes.filter((o) => o.status === 'skipped').length,
      tests.filter((t) => t.status === 'fail').length,
      tests.filter((t) => t.status === 'warn').length,
      durationMs,
      published,
    ],
  );
}

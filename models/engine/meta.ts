/**
 * Run history and lineage in the warehouse's `meta` schema, so the API and the dashboards read
 * the state of the models from the same place the models live, whichever process built them.
 *
 * - meta.models          the catalog of the project as last loaded (one row per model)
 * - meta.lineage         direct edges model ← parent (a model or a source table)
 * - meta.runs            one row per run/test/build invocation
 * - meta.model_runs      one row per model per invocation
 * - meta.test_results    one row per test per invocation
 * - meta.source_freshness one row per checked source table per invocation
 */
import type { DuckDBConnection } from '@duckdb/node-api';
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
  tests_passed INTEGER, tests_failed INTEGER, tests_warned INTEGER);
CREATE TABLE IF NOT EXISTS meta.test_results (
  run_id VARCHAR, model VARCHAR, test_id VARCHAR, test_name VARCHAR, kind VARCHAR,
  severity VARCHAR, status VARCHAR, failures BIGINT, duration_ms BIGINT, message VARCHAR,
  finished_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS meta.source_freshness (
  run_id VARCHAR, source VARCHAR, loaded_at_field VARCHAR, max_loaded_at TIMESTAMPTZ,
  age_hours DOUBLE, status VARCHAR, message VARCHAR, checked_at TIMESTAMPTZ);
`;

/** Create the meta schema and tables when missing. */
export async function ensureMeta(conn: DuckDBConnection): Promise<void> {
  await conn.run(DDL);
}

const json = (v: unknown) => JSON.stringify(v);

/** Replace the catalog and lineage with the project as loaded now. */
export async function recordCatalog(conn: DuckDBConnection, project: Project): Promise<void> {
  await inTransaction(conn, async () => {
    await conn.run('DELETE FROM meta.models; DELETE FROM meta.lineage;');
    for (const m of project.models.values()) {
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
      await conn.run(
        `INSERT INTO meta.models VALUES ($1, $2, $3, $4, $5, $6,
          CAST($7::JSON AS VARCHAR[]), CAST($8::JSON AS VARCHAR[]), $9, $10::JSON, $11::JSON,
          CAST($12::JSON AS VARCHAR[]), CAST($13::JSON AS VARCHAR[]), CAST($14::JSON AS VARCHAR[]),
          now())`,
        [
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
        ],
      );
      for (const p of m.refs) {
        await conn.run(`INSERT INTO meta.lineage VALUES ($1, $2, 'model')`, [m.name, p]);
      }
      for (const s of m.sources) {
        await conn.run(`INSERT INTO meta.lineage VALUES ($1, $2, 'source')`, [m.name, s]);
      }
    }
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
    `INSERT INTO meta.runs (run_id, command, selector, full_refresh, started_at, status)
     VALUES ($1, $2, $3, $4, $5::TIMESTAMPTZ, 'running')`,
    [r.runId, r.command, r.selector, r.fullRefresh, r.startedAt.toISOString()],
  );
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
      `INSERT INTO meta.model_runs VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), $9, $10, $11, $12)`,
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
      ],
    );
    for (const t of o.tests) {
      await conn.run(
        `INSERT INTO meta.test_results VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())`,
        [
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
        ],
      );
    }
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

/** Close the run row with its totals. */
export async function finishRun(
  conn: DuckDBConnection,
  r: RunRecord,
  status: 'success' | 'error',
  outcomes: readonly ModelOutcome[],
  durationMs: number,
): Promise<void> {
  const tests = outcomes.flatMap((o) => o.tests);
  await conn.run(
    `UPDATE meta.runs SET finished_at = now(), status = $2, models_ok = $3, models_failed = $4,
       models_skipped = $5, tests_failed = $6, tests_warned = $7, duration_ms = $8
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
    ],
  );
}

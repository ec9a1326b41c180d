/**
 * The `ops` schema: read-only views over the pipeline's own logs in the warehouse, for the
 * data-health dashboard. Marts are tables rebuilt by a build, so a "last build" mart would always
 * describe the build before the one that made it; a view is read when queried, so it shows the
 * run that just ended (or is still running). The logs it reads:
 *
 * - raw._ingest_runs   one row per ingest run (ingest/state.ts): status, times, snapshot_bound
 *                      (every database change made before it is in the warehouse)
 * - meta.runs          one row per models run/build/test (models/engine/meta.ts), published
 * - meta.model_runs    their models (the first error of a failed run)
 * - meta.test_results  one row per test per invocation
 *
 * PostgreSQL's `job_runs` is not here: ingest never copies it (ingest/deny-list.ts), and the two
 * jobs that write the warehouse, ingest and build, log every run above anyway. The views show
 * only what these logs hold (no SQL text, no keys), so the dashboard guard lets panel queries
 * read `ops.*` beside `marts.*` (dashboards/sql-guard.ts); `raw`, `core`, `staging` and `meta`
 * stay refused.
 *
 * Created on first use per process (CREATE OR REPLACE, so a changed definition lands at the next
 * start), after creating the log tables when a warehouse has never been ingested or built: a
 * view over a missing table cannot be created in DuckDB.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { ensureMeta, PUBLISHED_RUN } from '../models/engine/meta.ts';
import { ensureLogTables } from '../ingest/state.ts';
import type { Warehouse } from '../warehouse/duckdb.ts';

/** The models engine says success/error; runs are spoken of as the jobs do. */
const RUN_STATUS = `CASE r.status WHEN 'success' THEN 'succeeded' WHEN 'error' THEN 'failed'
  ELSE r.status END`;

const VIEWS = `
CREATE SCHEMA IF NOT EXISTS ops;

-- Every run that writes the warehouse: ingests and model runs, newest first when ordered by
-- started_at. run_date is the local day (the warehouse's TimeZone is the configured one).
CREATE OR REPLACE VIEW ops.pipeline_runs AS
SELECT
  'ingest' AS pipeline,
  CAST(r.run_id AS VARCHAR) AS run_id,
  'ingest ' || r.mode AS command,
  r.status,
  r.started_at,
  r.finished_at,
  CAST(r.started_at AS DATE) AS run_date,
  r.duration_ms,
  r.snapshot_bound,
  r.rows_merged + r.rows_deleted AS rows_changed,
  CAST(NULL AS INTEGER) AS models_failed,
  CAST(NULL AS INTEGER) AS tests_failed,
  r.status = 'succeeded' AS published,
  r.error
FROM raw._ingest_runs AS r
UNION ALL
SELECT
  'models',
  r.run_id,
  'models ' || r.command,
  ${RUN_STATUS},
  r.started_at,
  r.finished_at,
  CAST(r.started_at AS DATE),
  r.duration_ms,
  NULL,
  NULL,
  r.models_failed,
  r.tests_failed,
  coalesce(${PUBLISHED_RUN}, false),
  (SELECT min(m.model || ': ' || m.error) FROM meta.model_runs AS m
   WHERE m.run_id = r.run_id AND m.error IS NOT NULL)
FROM meta.runs AS r;

-- One row: how far behind the database the warehouse is. raw_as_of is the snapshot bound of the
-- newest successful ingest (every change made before it was copied); marts_as_of the same of the
-- newest successful ingest that had finished when the newest published build started, i.e. the
-- database moment the dashboards' figures describe. The lags are upper bounds: a database that
-- nobody wrote to since has nothing the warehouse lacks.
CREATE OR REPLACE VIEW ops.freshness AS
WITH ingest AS (
  SELECT max(snapshot_bound) AS raw_as_of, max(finished_at) AS last_ingest_at
  FROM raw._ingest_runs WHERE status = 'succeeded'
),
build AS (
  SELECT max(r.started_at) AS build_started_at, max(r.finished_at) AS last_build_at
  FROM meta.runs AS r
  WHERE r.command IN ('run', 'build') AND ${PUBLISHED_RUN}
)
SELECT
  i.raw_as_of,
  i.last_ingest_at,
  b.last_build_at,
  (SELECT max(snapshot_bound) FROM raw._ingest_runs
   WHERE status = 'succeeded' AND finished_at <= b.build_started_at) AS marts_as_of,
  date_diff('second', i.raw_as_of, now()) / 60.0 AS raw_lag_minutes,
  date_diff('second', (SELECT max(snapshot_bound) FROM raw._ingest_runs
   WHERE status = 'succeeded' AND finished_at <= b.build_started_at), now()) / 60.0
    AS marts_lag_minutes
FROM ingest AS i CROSS JOIN build AS b;

-- Every test of every models invocation, with when its run started.
CREATE OR REPLACE VIEW ops.test_results AS
SELECT
  t.run_id,
  r.command,
  r.started_at AS run_started_at,
  t.model,
  t.test_name,
  t.kind,
  t.severity,
  t.status,
  t.failures,
  t.message,
  t.finished_at
FROM meta.test_results AS t
JOIN meta.runs AS r ON r.run_id = t.run_id;
`;

async function missingLogs(conn: DuckDBConnection): Promise<boolean> {
  const r = await conn.runAndReadAll(
    `SELECT count(*) AS n FROM duckdb_tables() WHERE database_name = current_database()
       AND ((schema_name = 'raw' AND table_name = '_ingest_runs')
         OR (schema_name = 'meta' AND table_name IN ('runs', 'model_runs', 'test_results')))`,
  );
  return Number(r.getRowsJson()[0]![0]) < 4;
}

/** Create (or refresh) the ops views on `conn`. */
export async function createOpsViews(conn: DuckDBConnection): Promise<void> {
  // Only when missing: each ensure is idempotent, but touching the catalog while a build or an
  // ingest holds a transaction on those tables is a conflict worth not risking.
  if (await missingLogs(conn)) {
    await ensureLogTables(conn);
    await ensureMeta(conn);
  }
  await conn.run(VIEWS);
}

const ready = new WeakMap<Warehouse, Promise<void>>();

/** The ops views of `warehouse`, created once per process (a failed attempt is retried). */
export function ensureOpsViews(warehouse: Warehouse): Promise<void> {
  let p = ready.get(warehouse);
  if (!p) {
    p = (async () => {
      const conn = await warehouse.connect();
      try {
        await createOpsViews(conn);
      } finally {
        conn.closeSync();
      }
    })();
    p.catch(() => ready.delete(warehouse));
    ready.set(warehouse, p);
  }
  return p;
}

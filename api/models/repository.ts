/**
 * Reading model state from the warehouse's `meta` schema (written by models/engine/meta.ts):
 * the catalog as last loaded, joined to the latest outcomes in the run history.
 */
import type { Json } from '@duckdb/node-api';
import type { AppContext } from '../../context.ts';
import { queryWarehouse } from '../reports/warehouse.ts';

const META = ['meta.models', 'meta.model_runs', 'meta.test_results', 'meta.runs'];
/**
 * A model built successfully is live only when its run published (a run publishes all its
 * models or none). meta.runs.published arrives with the first run of an engine that publishes
 * together; read through to_json so a warehouse built before that answers instead of failing
 * to bind, and count its older runs as published (each model went live as it succeeded).
 */
const PUBLISHED = `coalesce(CAST(json_extract(to_json(r), '$.published') AS BOOLEAN), true)`;
const iso = (c: string) => `strftime(${c} AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ')`;

/** One row per model (optionally one model): catalog + latest status + latest test counts. */
export function modelRows(ctx: AppContext, name?: string): Promise<Record<string, Json>[]> {
  return queryWarehouse(
    ctx,
    META,
    `WITH built AS (
       SELECT * FROM meta.model_runs WHERE command IN ('run', 'build')
       QUALIFY row_number() OVER (PARTITION BY model ORDER BY finished_at DESC) = 1
     ),
     good AS (
       SELECT mr.model, max(mr.finished_at) AS built_at
       FROM meta.model_runs AS mr JOIN meta.runs AS r USING (run_id)
       WHERE mr.command IN ('run', 'build') AND mr.status = 'success' AND ${PUBLISHED}
       GROUP BY mr.model
     ),
     last_tests AS (
       SELECT * FROM meta.test_results
       QUALIFY run_id = first_value(run_id) OVER (PARTITION BY model ORDER BY finished_at DESC)
     ),
     tests AS (
       SELECT model, count(*) AS total, count(*) FILTER (WHERE status = 'pass') AS passed,
              count(*) FILTER (WHERE status = 'fail') AS failed,
              count(*) FILTER (WHERE status = 'warn') AS warned
       FROM last_tests GROUP BY model
     )
     SELECT m.name, m.relation, m.file, m.layer, m.materialized, m.tags, m.description,
            m.unique_key, CAST(m.columns AS VARCHAR) AS columns, m.upstream, m.downstream,
            m.sources, b.status, b.error, b.rows, b.duration_ms, ${iso('b.finished_at')} AS last_run_at,
            ${iso('g.built_at')} AS last_built_at, t.total, t.passed, t.failed, t.warned
     FROM meta.models AS m
     LEFT JOIN built AS b ON b.model = m.name
     LEFT JOIN good AS g ON g.model = m.name
     LEFT JOIN tests AS t ON t.model = m.name
     ${name ? 'WHERE m.name = $1' : ''}
     ORDER BY m.layer, m.name`,
    name ? [name] : [],
  );
}

/** The latest result of each test of `name`. */
export function latestTests(ctx: AppContext, name: string): Promise<Record<string, Json>[]> {
  return queryWarehouse(
    ctx,
    META,
    `SELECT test_id, test_name, kind, severity, status, failures, message
     FROM meta.test_results WHERE model = $1
     QUALIFY run_id = first_value(run_id) OVER (ORDER BY finished_at DESC)
     ORDER BY test_id`,
    [name],
  );
}

/** The last `limit` runs that touched `name`. */
export function recentRuns(
  ctx: AppContext,
  name: string,
  limit = 10,
): Promise<Record<string, Json>[]> {
  return queryWarehouse(
    ctx,
    META,
    `SELECT run_id, command, mode, status, rows, duration_ms, ${iso('finished_at')} AS finished_at,
            error
     FROM meta.model_runs WHERE model = $1 ORDER BY finished_at DESC LIMIT ${Number(limit)}`,
    [name],
  );
}

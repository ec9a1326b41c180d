/**
 * GET /models (every model: status, rows, duration, tests, upstream, downstream, last built)
 * and GET /models/{name} (plus columns, each test's latest result and recent runs).
 */
import { Router } from 'express';
import type { Json } from '@duckdb/node-api';
import type { AppContext } from '../../context.ts';
import { notFound } from '../errors.ts';
import type { RouteRegistry } from '../route.ts';
import { toInt } from '../reports/warehouse.ts';
import { modelDetail, modelList, modelNameParams, type ModelDto } from './schemas.ts';
import * as repo from './repository.ts';
import { wholeList } from '../pagination.ts';

const ROLES = ['analyst', 'executive', 'manager'] as const;
const str = (v: Json | undefined) => (v === null || v === undefined ? null : String(v));
const list = (v: Json | undefined) => (Array.isArray(v) ? v.map(String) : []);

function toModelDto(r: Record<string, Json>): ModelDto {
  return {
    name: String(r.name),
    relation: String(r.relation),
    file: String(r.file),
    layer: String(r.layer),
    materialized: r.materialized as ModelDto['materialized'],
    tags: list(r.tags),
    description: str(r.description),
    status: (str(r.status) ?? 'never_built') as ModelDto['status'],
    error: str(r.error),
    rows: toInt(r.rows),
    durationMs: toInt(r.duration_ms),
    lastRunAt: str(r.last_run_at),
    lastBuiltAt: str(r.last_built_at),
    tests: {
      total: toInt(r.total) ?? 0,
      passed: toInt(r.passed) ?? 0,
      failed: toInt(r.failed) ?? 0,
      warned: toInt(r.warned) ?? 0,
    },
    upstream: list(r.upstream),
    downstream: list(r.downstream),
    sources: list(r.sources),
  };
}

/** The model catalog endpoints. */
export function modelRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  const tag = 'models';

  registry.add(
    router,
    {
      method: 'get',
      path: '/models',
      summary: 'Every SQL model with its latest status, rows, duration, tests and lineage',
      tag,
      roles: ROLES,
      errors: [503], // the warehouse is not open or the models were never built
      response: modelList,
    },
    // Every model of the project, in lineage order: one page.
    async () => wholeList((await repo.modelRows(ctx)).map(toModelDto)),
  );

  registry.add(
    router,
    {
      method: 'get',
      path: '/models/:name',
      summary: 'One SQL model: columns, latest result of each test, recent runs',
      tag,
      roles: ROLES,
      errors: [503], // the warehouse is not open or the models were never built
      params: modelNameParams,
      response: modelDetail,
    },
    async ({ params }) => {
      const [row] = await repo.modelRows(ctx, params.name);
      if (!row) throw notFound('model', params.name);
      const tests = await repo.latestTests(ctx, params.name);
      const runs = await repo.recentRuns(ctx, params.name);
      return {
        ...toModelDto(row),
        uniqueKey: list(row.unique_key),
        columns: JSON.parse(String(row.columns ?? '{}')) as Record<string, string>,
        testResults: tests.map((t) => ({
          id: String(t.test_id),
          name: String(t.test_name),
          kind: String(t.kind),
          severity: t.severity as 'error' | 'warn',
          status: t.status as 'pass' | 'fail' | 'warn',
          failures: toInt(t.failures) ?? 0,
          message: str(t.message),
        })),
        recentRuns: runs.map((r) => ({
          runId: String(r.run_id),
          command: String(r.command),
          mode: String(r.mode),
          status: String(r.status),
          rows: toInt(r.rows),
          durationMs: toInt(r.duration_ms),
          finishedAt: str(r.finished_at),
          error: str(r.error),
        })),
      };
    },
  );
  return router;
}

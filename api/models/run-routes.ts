/**
 * POST /models/runs and GET /models/runs/{id}: building, running or testing models in the server
 * that owns the warehouse (how `salesops models build` hands its work over while `salesops start`
 * holds the data folder). A model run is a run of the `build` job, queued behind any ingest or
 * build under way; the selection is checked first, so a typo never queues anything.
 */
import { Router } from 'express';
import type { AppContext } from '../../context.ts';
import type { JobRunRecord } from '../../jobs/types.ts';
import type { ModelSummary } from '../../models/engine/outcome-line.ts';
import { AppError } from '../errors.ts';
import { checkSelection } from '../jobs/params.ts';
import { queueRun, requireJobs } from '../jobs/service.ts';
import type { RouteRegistry } from '../route.ts';
import { runIdParams } from '../jobs/schemas.ts';
import { modelRunBody, modelRunDto, type ModelRunDto } from './run-schemas.ts';

/** A build job run as a model run: the command, the selection and each model's outcome. */
export function toModelRun(r: JobRunRecord): ModelRunDto {
  const params = r.params as {
    command?: ModelRunDto['command'];
    select?: string[];
    fullRefresh?: boolean;
  };
  const detail = (r.detail ?? {}) as {
    command?: ModelRunDto['command'];
    select?: string[];
    models?: ModelSummary[];
    freshness?: { status: string; message?: string }[];
  };
  const live = (r.progress?.models ?? detail.models ?? []) as ModelSummary[];
  return {
    id: r.id,
    status: r.status,
    command: params.command ?? detail.command ?? 'build',
    select: params.select ?? detail.select ?? [],
    fullRefresh: params.fullRefresh ?? false,
    queuedAt: r.queuedAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    durationMs:
      r.startedAt && r.finishedAt
        ? new Date(r.finishedAt).getTime() - new Date(r.startedAt).getTime()
        : null,
    models: live.map((m) => ({
      name: m.model,
      status: m.status,
      mode: m.mode,
      rows: m.rows,
      rowsChanged: m.rowsChanged,
      durationMs: m.durationMs,
      tests: { passed: m.testsPassed, failed: m.testsFailed, warned: m.testsWarned },
      warnings: m.warnings ?? [],
      error: m.error ?? null,
    })),
    freshness: (detail.freshness ?? []).map((f) => ({
      status: f.status,
      message: f.message ?? '',
    })),
    modelRunId: r.modelRunId,
    error: r.error,
  };
}

export function modelRunRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  const tag = 'models';

  registry.add(
    router,
    {
      method: 'post',
      path: '/models/runs',
      summary:
        'Build, run or test the selected models in the background (queued behind a running ' +
        'ingest or build): 202 with the queued run',
      tag,
      roles: ['manager'],
      errors: [503], // this process runs no jobs
      body: modelRunBody,
      response: modelRunDto,
      status: 202,
      bookkeeping: true,
    },
    async ({ body, principal }) => {
      requireJobs(ctx);
      checkSelection(body.select ?? []);
      const params = {
        command: body.command,
        select: body.select ?? [],
        fullRefresh: body.fullRefresh,
      };
      return toModelRun(await queueRun(ctx, 'build', params, principal));
    },
  );

  registry.add(
    router,
    {
      method: 'get',
      path: '/models/runs/:id',
      summary: 'One model run: status and each model as it finished (live while it runs)',
      tag,
      roles: ['manager', 'analyst'],
      errors: [503],
      params: runIdParams,
      response: modelRunDto,
    },
    async ({ params }) => {
      const run = await requireJobs(ctx).get(params.id);
      if (!run || run.job !== 'build') {
        throw new AppError('not_found', `model run ${params.id} was not found`, {
          entity: 'model run',
          id: params.id,
        });
      }
      return toModelRun(run);
    },
  );
  return router;
}

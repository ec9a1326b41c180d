/**
 * /api/v1/jobs: every background job with its schedule and last run, each job's run history,
 * one run (with live progress: what `salesops jobs run` and the other CLI hand-offs follow),
 * and starting a run by hand. /api/v1/warehouse/freshness: how far the warehouse is behind (what
 * a dashboard's freshness badge reads). Reading: managers and analysts (they judge the data's
 * age); freshness: every role. Starting: admins, and managers for ingest and build.
 */
import { Router } from 'express';
import type { AppContext } from '../../context.ts';
import * as history from '../../jobs/history.ts';
import type { RouteRegistry } from '../route.ts';
import { decodeCursor, pageOf, pageSchema, wholeList } from '../pagination.ts';
import { jobParams } from './params.ts';
import {
  freshnessDto,
  jobDto,
  jobNameParams,
  jobRunDto,
  runIdParams,
  runJobBody,
  runsQuery,
} from './schemas.ts';
import { assertMayStart, findRun, queueRun, requireJobs } from './service.ts';

const ALL_ROLES = ['manager', 'staff', 'analyst', 'executive'] as const;

export function jobRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  const tag = 'jobs';

  registry.add(
    router,
    {
      method: 'get',
      path: '/jobs',
      summary: 'Every background job: schedule, time zone, next run, last run',
      tag,
      roles: ['manager', 'analyst'],
      errors: [503], // this process runs no jobs
      response: pageSchema(jobDto),
    },
    // A handful of jobs, declared in code: one page.
    async () => wholeList(await requireJobs(ctx).list()),
  );

  // Before /jobs/:name/runs, so "runs" is never read as a job name.
  registry.add(
    router,
    {
      method: 'get',
      path: '/jobs/runs/:id',
      summary: 'One job run; while it runs here, its live progress',
      tag,
      roles: ['manager', 'analyst'],
      errors: [503],
      params: runIdParams,
      response: jobRunDto,
    },
    ({ params }) => findRun(ctx, params.id),
  );

  registry.add(
    router,
    {
      method: 'get',
      path: '/jobs/:name/runs',
      summary: "A job's runs in every instance, newest first",
      tag,
      roles: ['manager', 'analyst'],
      errors: [503],
      params: jobNameParams,
      query: runsQuery,
      response: pageSchema(jobRunDto),
    },
    async ({ params, query }) => {
      requireJobs(ctx).definition(params.name); // UnknownJobError → 404
      const runs = await history.listRuns(ctx.ops.db, {
        job: params.name,
        limit: query.limit + 1,
        beforeId: decodeCursor(query.cursor),
      });
      return pageOf(runs, query.limit, (r) => r);
    },
  );

  registry.add(
    router,
    {
      method: 'post',
      path: '/jobs/:name/run',
      summary:
        'Queue a run of the job (behind a running ingest or build): 202 with the queued run. ' +
        'ingest takes {full, tables}, build {select, fullRefresh}, report {report}, the others nothing',
      tag,
      roles: ['manager'], // managers: ingest and build only (403 for the others)
      errors: [503],
      params: jobNameParams,
      body: runJobBody,
      bodyOptional: true,
      response: jobRunDto,
      status: 202,
      bookkeeping: true,
    },
    async ({ params, body, principal }) => {
      assertMayStart(ctx, params.name, principal); // 404 and 403 before the body is judged
      return queueRun(ctx, params.name, await jobParams(ctx, params.name, body), principal);
    },
  );

  registry.add(
    router,
    {
      method: 'get',
      path: '/warehouse/freshness',
      summary: "The warehouse's last ingest and build, and how far behind the database it is",
      tag,
      roles: ALL_ROLES,
      errors: [503],
      response: freshnessDto,
    },
    () => requireJobs(ctx).freshness(),
  );
  return router;
}

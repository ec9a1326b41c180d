/**
 * /api/v1/ingest/runs: the warehouse ingest's run log, and starting a run in the server that owns
 * the warehouse (how `salesops ingest` hands a run over when the server holds the data folder).
 * Starting queues a run of the `ingest` job behind any ingest or build under way (202 with the
 * job run; follow it at GET /jobs/runs/{id}). Reading: analysts and managers (they judge how
 * fresh the warehouse is). Starting: managers, since a run briefly holds up writers on the
 * embedded database; admins always.
 */
import { Router } from 'express';
import type { AppContext } from '../../context.ts';
import { notFound } from '../errors.ts';
import type { RouteRegistry } from '../route.ts';
import { checkTables } from '../jobs/params.ts';
import { jobRunDto } from '../jobs/schemas.ts';
import { queueRun, requireJobs } from '../jobs/service.ts';
import { runDto, runIdParams, runsQuery, startRunBody } from './schemas.ts';
import { oneRun, recentRuns } from './service.ts';
import { decodeCursor, pageOf, pageSchema } from '../pagination.ts';

export function ingestRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  const tag = 'ingest';

  registry.add(
    router,
    {
      method: 'get',
      path: '/ingest/runs',
      summary: 'Recent warehouse ingest runs, newest first, with their tables',
      tag,
      roles: ['manager', 'analyst'],
      errors: [503], // no warehouse open in this process
      query: runsQuery,
      response: pageSchema(runDto),
    },
    // Newest first, so a page continues below the last run id seen (keyset on run_id).
    async ({ query }) => {
      const runs = await recentRuns(ctx, {
        limit: query.limit + 1,
        beforeRunId: decodeCursor(query.cursor),
      });
      return pageOf(
        runs.map((r) => ({ ...r, id: r.runId })),
        query.limit,
        ({ id: _id, ...run }) => run,
      );
    },
  );

  registry.add(
    router,
    {
      method: 'get',
      path: '/ingest/runs/:id',
      summary: 'One ingest run; while it runs, the tables done so far',
      tag,
      roles: ['manager', 'analyst'],
      errors: [503], // no warehouse open in this process
      params: runIdParams,
      response: runDto,
    },
    async ({ params }) => {
      const run = await oneRun(ctx, params.id);
      if (!run) throw notFound('ingest run', params.id);
      return run;
    },
  );

  registry.add(
    router,
    {
      method: 'post',
      path: '/ingest/runs',
      summary:
        'Queue an ingest run (behind a running ingest or build): 202 with the job run to ' +
        'follow at GET /jobs/runs/{id}',
      tag,
      roles: ['manager'],
      errors: [503], // this process runs no jobs
      body: startRunBody,
      bodyOptional: true,
      response: jobRunDto,
      status: 202,
      bookkeeping: true,
    },
    async ({ body, principal }) => {
      requireJobs(ctx);
      await checkTables(ctx, body.tables);
      return queueRun(ctx, 'ingest', body, principal);
    },
  );
  return router;
}

/**
 * POST /sql: a read-only query of the warehouse by an analyst or an admin, answered in the
 * format `Accept` asks for — JSON (default), CSV, Arrow IPC stream or Parquet. Executives run
 * only shared saved queries, never their own text (./saved-routes.ts).
 */
import { Router } from 'express';
import type { AppContext } from '../../context.ts';
import type { RouteRegistry } from '../route.ts';
import { answerSql, SQL_MEDIA } from './answer.ts';
import { historyRoutes } from './history-routes.ts';
import { savedRoutes } from './saved-routes.ts';
import { sqlBody, sqlResult } from './schemas.ts';
import { schemaRoutes } from './schema-routes.ts';

export { formatOf, SQL_MEDIA } from './answer.ts';

/** The SQL endpoints: POST /sql, saved queries, the history and the schema. */
export function sqlRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();

  registry.add(
    router,
    {
      method: 'post',
      path: '/sql',
      operationId: 'runSql',
      summary:
        'Run one read-only query on the warehouse (Accept: JSON, CSV, Arrow stream or Parquet)',
      tag: 'sql',
      roles: ['analyst'],
      body: sqlBody,
      response: sqlResult,
      status: 200,
      media: Object.values(SQL_MEDIA),
      errors: [406, 408, 422, 429, 503],
      // A read: it makes nothing stale (api/route.ts would otherwise tell the scheduler).
      bookkeeping: true,
    },
    ({ body, principal, req, res }) =>
      answerSql(
        ctx,
        principal,
        { sql: body.sql, params: body.params, limit: body.limit, timeoutMs: body.timeoutMs },
        req,
        res,
      ),
  );
  router.use(historyRoutes(ctx, registry));
  router.use(schemaRoutes(ctx, registry));
  router.use(savedRoutes(ctx, registry));
  return router;
}

/**
 * /sql/saved: analysts' saved queries — list, create, read, change, delete, and run one in any
 * format POST /sql answers. Executives list, read and run the shared ones only.
 */
import { Router } from 'express';
import type { AppContext } from '../../context.ts';
import { idParams } from '../fields.ts';
import { idPage, pageOf } from '../pagination.ts';
import type { RouteRegistry } from '../route.ts';
import { answerSql, SQL_MEDIA } from './answer.ts';
import {
  savedBody,
  savedDto,
  savedListQuery,
  savedPage,
  savedPatch,
  savedRunBody,
} from './saved-schemas.ts';
import {
  createSavedQuery,
  deleteSavedQuery,
  getSavedQuery,
  listSavedQueries,
  updateSavedQuery,
} from './saved-service.ts';
import { sqlResult } from './schemas.ts';

export function savedRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  const db = ctx.ops.db;
  const tag = 'sql';
  const readers = ['analyst', 'executive'] as const;
  const writers = ['analyst'] as const;

  registry.add(
    router,
    {
      method: 'get',
      path: '/sql/saved',
      summary: 'Saved queries: your own and the shared ones (executives: shared only; admins: all)',
      tag,
      roles: readers,
      query: savedListQuery,
      response: savedPage,
    },
    async ({ query, principal }) => {
      const { rows, toDto } = await listSavedQueries(
        db,
        principal,
        { shared: query.shared },
        idPage(query),
      );
      return pageOf(rows, query.limit, toDto);
    },
  );

  registry.add(
    router,
    {
      method: 'post',
      path: '/sql/saved',
      summary: 'Save a query under a name of your own (unique among your saved queries)',
      tag,
      roles: writers,
      body: savedBody,
      response: savedDto,
      status: 201,
      bookkeeping: true,
    },
    ({ body, principal }) => createSavedQuery(db, principal, body),
  );

  registry.add(
    router,
    {
      method: 'get',
      path: '/sql/saved/:id',
      summary: 'One saved query (your own, a shared one, or any for an admin)',
      tag,
      roles: readers,
      params: idParams,
      response: savedDto,
    },
    async ({ params, principal }) => (await getSavedQuery(db, principal, params.id)).dto,
  );

  registry.add(
    router,
    {
      method: 'patch',
      path: '/sql/saved/:id',
      summary: 'Change a saved query: name, SQL, description, shared (its owner or an admin)',
      tag,
      roles: writers,
      params: idParams,
      body: savedPatch,
      response: savedDto,
      errors: [403],
      bookkeeping: true,
    },
    ({ params, body, principal }) => updateSavedQuery(db, principal, params.id, body),
  );

  registry.add(
    router,
    {
      method: 'delete',
      path: '/sql/saved/:id',
      summary: 'Delete a saved query (its owner or an admin); its history stays',
      tag,
      roles: writers,
      params: idParams,
      status: 204,
      errors: [403],
      bookkeeping: true,
    },
    async ({ params, principal }) => {
      await deleteSavedQuery(db, principal, params.id);
      return undefined;
    },
  );

  registry.add(
    router,
    {
      method: 'post',
      path: '/sql/saved/:id/run',
      operationId: 'runSavedSql',
      summary:
        'Run a saved query as POST /sql does (same options and Accept formats); executives run shared ones',
      tag,
      roles: readers,
      params: idParams,
      body: savedRunBody,
      bodyOptional: true,
      response: sqlResult,
      media: Object.values(SQL_MEDIA),
      errors: [406, 408, 422, 429, 503],
      bookkeeping: true,
    },
    async ({ params, body, principal, req, res }) => {
      const { row } = await getSavedQuery(db, principal, params.id);
      return answerSql(
        ctx,
        principal,
        { sql: row.sql, params: body.params, limit: body.limit, timeoutMs: body.timeoutMs },
        req,
        res,
        {
          savedQueryId: row.id,
          // Analyst SQL under an analyst's limits, through the same guard and gate.
          limitsOf: principal.role === 'executive' ? 'analyst' : undefined,
        },
      );
    },
  );
  return router;
}

/** /opportunities. HTTP only; rules live in ./service.ts and ./stages.ts. */
import { Router } from 'express';
import type { AppContext } from '../../context.ts';
import { idParams } from '../fields.ts';
import type { RouteRegistry } from '../route.ts';
import {
  opportunityBody,
  opportunityDetailDto,
  opportunityListQuery,
  opportunityPage,
  opportunityPatch,
} from './schemas.ts';
import * as service from './service.ts';

const READ = ['manager', 'staff', 'analyst'] as const;
const WRITE = ['manager', 'staff'] as const;

export function opportunityRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  const db = ctx.ops.db;
  const tag = 'opportunities';

  registry.add(
    router,
    {
      method: 'get',
      path: '/opportunities',
      summary: 'List opportunities (staff: their own pipeline; managers: their team)',
      tag,
      roles: READ,
      query: opportunityListQuery,
      response: opportunityPage,
    },
    ({ query, principal }) => service.listOpportunities(db, principal, query),
  );
  registry.add(
    router,
    {
      method: 'post',
      path: '/opportunities',
      summary: 'Open an opportunity (probability defaults per stage)',
      tag,
      roles: WRITE,
      body: opportunityBody,
      response: opportunityDetailDto,
      status: 201,
    },
    ({ body, principal }) => service.createOpportunity(db, principal, body),
  );
  registry.add(
    router,
    {
      method: 'get',
      path: '/opportunities/:id',
      summary: 'One opportunity with its lines and stage history',
      tag,
      roles: READ,
      params: idParams,
      response: opportunityDetailDto,
    },
    ({ params, principal }) => service.getOpportunity(db, principal, params.id),
  );
  registry.add(
    router,
    {
      method: 'patch',
      path: '/opportunities/:id',
      summary: 'Change an opportunity: stage (lost needs lostReason), lines, won → draft order',
      tag,
      roles: WRITE,
      params: idParams,
      body: opportunityPatch,
      response: opportunityDetailDto,
    },
    ({ params, body, principal }) => service.updateOpportunity(db, principal, params.id, body),
  );
  registry.add(
    router,
    {
      method: 'delete',
      path: '/opportunities/:id',
      summary: 'Delete an opportunity',
      tag,
      roles: ['manager'],
      params: idParams,
      status: 204,
    },
    async ({ params, principal }) => {
      await service.deleteOpportunity(db, principal, params.id);
      return undefined;
    },
  );
  return router;
}

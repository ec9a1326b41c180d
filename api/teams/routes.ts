/** /reps, /teams and /quotas. HTTP only; rules live in ./service.ts. */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { idParams } from '../fields.ts';
import { notFound } from '../errors.ts';
import { decodeCursor, idPage, pageOf, pageSchema, paginationQuery } from '../pagination.ts';
import type { RouteRegistry } from '../route.ts';
import * as repo from './repository.ts';
import {
  quotaBody,
  quotaDto,
  quotaListQuery,
  quotaPage,
  quotaPatch,
  repBody,
  repDto,
  repListQuery,
  repPage,
  repPatch,
  teamBody,
  teamDetailDto,
  teamDto,
  teamPatch,
  toQuotaDto,
  toRepDto,
  toTeamDto,
} from './schemas.ts';
import * as quotas from './quotas.ts';
import * as service from './service.ts';

const READ_ALL = ['manager', 'staff', 'analyst', 'executive'] as const;
const QUOTA_READ = ['manager', 'analyst', 'executive'] as const;

export function teamRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  const db = ctx.ops.db;
  const tag = 'teams';

  registry.add(
    router,
    {
      method: 'get',
      path: '/reps',
      summary: 'List sales reps',
      tag,
      roles: READ_ALL,
      query: repListQuery,
      response: repPage,
    },
    async ({ query }) => {
      const rows = await repo.listReps(db, query, decodeCursor(query.cursor), query.limit);
      return pageOf(rows, query.limit, toRepDto);
    },
  );
  registry.add(
    router,
    {
      method: 'post',
      path: '/reps',
      summary: 'Create a sales rep',
      tag,
      roles: ['admin'],
      body: repBody,
      response: repDto,
      status: 201,
    },
    ({ body, principal }) => service.createRep(db, principal, body),
  );
  registry.add(
    router,
    {
      method: 'get',
      path: '/reps/:id',
      summary: 'One sales rep',
      tag,
      roles: READ_ALL,
      params: idParams,
      response: repDto,
    },
    async ({ params }) => {
      const rep = await repo.findRep(db, params.id);
      if (!rep) throw notFound('sales rep', params.id);
      return toRepDto(rep);
    },
  );
  registry.add(
    router,
    {
      method: 'patch',
      path: '/reps/:id',
      summary: 'Change a sales rep (team, manager, active…)',
      tag,
      roles: ['admin'],
      params: idParams,
      body: repPatch,
      response: repDto,
    },
    ({ params, body, principal }) => service.updateRep(db, principal, params.id, body),
  );

  registry.add(
    router,
    {
      method: 'get',
      path: '/teams',
      summary: 'List teams',
      tag,
      roles: READ_ALL,
      query: paginationQuery,
      response: pageSchema(teamDto),
    },
    async ({ query }) => pageOf(await repo.listTeams(db, idPage(query)), query.limit, toTeamDto),
  );
  registry.add(
    router,
    {
      method: 'post',
      path: '/teams',
      summary: 'Create a team',
      tag,
      roles: ['admin'],
      body: teamBody,
      response: teamDto,
      status: 201,
    },
    ({ body, principal }) => service.createTeam(db, principal, body),
  );
  registry.add(
    router,
    {
      method: 'get',
      path: '/teams/:id',
      summary: 'One team with its members',
      tag,
      roles: READ_ALL,
      params: idParams,
      response: teamDetailDto,
    },
    ({ params }) => service.getTeam(db, params.id),
  );
  registry.add(
    router,
    {
      method: 'patch',
      path: '/teams/:id',
      summary: 'Rename a team or change its manager',
      tag,
      roles: ['admin'],
      params: idParams,
      body: teamPatch,
      response: teamDto,
    },
    ({ params, body, principal }) => service.updateTeam(db, principal, params.id, body),
  );

  registry.add(
    router,
    {
      method: 'get',
      path: '/quotas',
      summary: "List quotas (managers: their team's)",
      tag,
      roles: QUOTA_READ,
      query: quotaListQuery,
      response: quotaPage,
    },
    async ({ query, principal }) => {
      const scope = await quotas.quotaScope(db, principal);
      const rows = await repo.listQuotas(db, query, scope, decodeCursor(query.cursor), query.limit);
      return pageOf(rows, query.limit, toQuotaDto);
    },
  );
  registry.add(
    router,
    {
      method: 'post',
      path: '/quotas',
      summary: 'Set a quota for a rep or team and period; an overlapping one is a 409',
      tag,
      roles: ['manager'],
      body: quotaBody,
      response: quotaDto,
      status: 201,
    },
    ({ body, principal }) => quotas.createQuota(db, principal, body),
  );
  registry.add(
    router,
    {
      method: 'get',
      path: '/quotas/:id',
      summary: 'One quota',
      tag,
      roles: QUOTA_READ,
      params: idParams,
      response: quotaDto,
    },
    async ({ params, principal }) =>
      quotas.getQuota(db, await quotas.quotaScope(db, principal), params.id),
  );
  registry.add(
    router,
    {
      method: 'patch',
      path: '/quotas/:id',
      summary: "Change a quota's amount",
      tag,
      roles: ['manager'],
      params: idParams,
      body: quotaPatch,
      response: quotaDto,
    },
    ({ params, body, principal }) => quotas.updateQuota(db, principal, params.id, body.amount),
  );
  registry.add(
    router,
    {
      method: 'delete',
      path: '/quotas/:id',
      summary: 'Delete a quota',
      tag,
      roles: ['manager'],
      params: idParams,
      status: 204,
    },
    async ({ params, principal }) => {
      await quotas.deleteQuota(db, principal, params.id);
      return undefined;
    },
  );
  return router;
}

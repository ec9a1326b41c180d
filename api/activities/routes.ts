/** /activities. HTTP only; rules live in ./service.ts. */
import { Router } from 'express';
import type { AppContext } from '../../context.ts';
import { idParams } from '../fields.ts';
import type { RouteRegistry } from '../route.ts';
import {
  activityBody,
  activityDto,
  activityListQuery,
  activityPage,
  activityPatch,
} from './schemas.ts';
import * as service from './service.ts';

const READ = ['manager', 'staff', 'analyst'] as const;
const WRITE = ['manager', 'staff'] as const;

export function activityRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  const db = ctx.ops.db;
  const tag = 'activities';

  registry.add(
    router,
    {
      method: 'get',
      path: '/activities',
      summary: 'List activities (?owner=me&overdue=true&due=today…)',
      tag,
      roles: READ,
      query: activityListQuery,
      response: activityPage,
    },
    ({ query, principal }) =>
      service.listActivities(db, principal, query, {
        now: new Date(),
        timezone: ctx.config.timezone,
      }),
  );
  registry.add(
    router,
    {
      method: 'post',
      path: '/activities',
      summary: 'Log or plan a call, email, meeting or task',
      tag,
      roles: WRITE,
      body: activityBody,
      response: activityDto,
      status: 201,
    },
    ({ body, principal }) => service.createActivity(db, principal, body),
  );
  registry.add(
    router,
    {
      method: 'get',
      path: '/activities/:id',
      summary: 'One activity',
      tag,
      roles: READ,
      params: idParams,
      response: activityDto,
    },
    ({ params, principal }) => service.getActivity(db, principal, params.id),
  );
  registry.add(
    router,
    {
      method: 'patch',
      path: '/activities/:id',
      summary: 'Change an activity; set doneAt and outcome to complete it',
      tag,
      roles: WRITE,
      params: idParams,
      body: activityPatch,
      response: activityDto,
    },
    ({ params, body, principal }) => service.updateActivity(db, principal, params.id, body),
  );
  registry.add(
    router,
    {
      method: 'delete',
      path: '/activities/:id',
      summary: 'Delete an activity',
      tag,
      roles: WRITE,
      params: idParams,
      status: 204,
    },
    async ({ params, principal }) => {
      await service.deleteActivity(db, principal, params.id);
      return undefined;
    },
  );
  return router;
}

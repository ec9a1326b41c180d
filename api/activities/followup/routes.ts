/** /followup-rules: follow-up automation as data, and a way to apply it now. */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../../context.ts';
import { idParams } from '../../fields.ts';
import { notFound } from '../../errors.ts';
import type { RouteRegistry } from '../../route.ts';
import { applyFollowupRules } from './apply.ts';
import * as repo from './repository.ts';
import {
  applyResultDto,
  followupRuleBody,
  followupRuleDto,
  followupRulePatch,
  toFollowupRuleDto,
} from './schemas.ts';
import * as service from './service.ts';
import { idPage, pageOf, pageSchema, paginationQuery } from '../../pagination.ts';

export function followupRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  const db = ctx.ops.db;
  const tag = 'follow-up rules';

  registry.add(
    router,
    {
      method: 'get',
      path: '/followup-rules',
      summary: 'List follow-up rules',
      tag,
      roles: ['manager', 'staff', 'analyst'],
      query: paginationQuery,
      response: pageSchema(followupRuleDto),
    },
    async ({ query }) =>
      pageOf(await repo.listRules(db, {}, idPage(query)), query.limit, toFollowupRuleDto),
  );
  registry.add(
    router,
    {
      method: 'post',
      path: '/followup-rules',
      summary: 'Create a follow-up rule (trigger, condition, action)',
      tag,
      roles: ['manager'],
      body: followupRuleBody,
      response: followupRuleDto,
      status: 201,
    },
    ({ body, principal }) => service.createRule(db, principal, body),
  );
  registry.add(
    router,
    {
      method: 'get',
      path: '/followup-rules/:id',
      summary: 'One follow-up rule',
      tag,
      roles: ['manager', 'staff', 'analyst'],
      params: idParams,
      response: followupRuleDto,
    },
    async ({ params }) => {
      const row = await repo.findRule(db, params.id);
      if (!row) throw notFound('follow-up rule', params.id);
      return toFollowupRuleDto(row);
    },
  );
  registry.add(
    router,
    {
      method: 'patch',
      path: '/followup-rules/:id',
      summary: 'Change a follow-up rule (not its trigger)',
      tag,
      roles: ['manager'],
      params: idParams,
      body: followupRulePatch,
      response: followupRuleDto,
    },
    ({ params, body, principal }) => service.updateRule(db, principal, params.id, body),
  );
  registry.add(
    router,
    {
      method: 'delete',
      path: '/followup-rules/:id',
      summary: 'Delete a follow-up rule',
      tag,
      roles: ['manager'],
      params: idParams,
      status: 204,
    },
    async ({ params, principal }) => {
      await service.deleteRule(db, principal, params.id);
      return undefined;
    },
  );
  registry.add(
    router,
    {
      method: 'post',
      path: '/followup-rules/apply',
      summary: 'Apply all active rules now (what the scheduled job runs)',
      tag,
      roles: ['manager'],
      response: applyResultDto,
    },
    ({ principal }) => applyFollowupRules(db, { principal }),
  );
  return router;
}

/** HTTP for order rules (data evaluated on confirm). */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { RouteRegistry } from '../route.ts';
import { createRule, deleteRule, getRule, listRules, updateRule } from './rule-service.ts';
import { createRuleBody, ruleDto, ruleIdParams, toRuleDto, updateRuleBody } from './schemas.ts';
import { pageSchema, wholeList } from '../pagination.ts';

export function ruleRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  const db = ctx.ops.db;
  const tag = 'order rules';
  const READ = ['manager', 'staff', 'analyst', 'executive'] as const;
  const WRITE = ['admin'] as const;

  registry.add(
    router,
    {
      method: 'get',
      path: '/order-rules',
      summary: 'List order rules',
      tag,
      roles: READ,
      response: pageSchema(ruleDto),
    },
    // A handful of rules keyed by text ids: one page.
    async () => wholeList((await listRules(db)).map(toRuleDto)),
  );
  registry.add(
    router,
    {
      method: 'get',
      path: '/order-rules/:id',
      summary: 'One order rule',
      tag,
      roles: READ,
      params: ruleIdParams,
      response: ruleDto,
    },
    async ({ params }) => toRuleDto(await getRule(db, params.id)),
  );
  registry.add(
    router,
    {
      method: 'post',
      path: '/order-rules',
      summary:
        'Create a rule: credit_limit, max_discount {caps}, approval_above_total {threshold}, minimum_order_value {amount}, blocked_customer',
      tag,
      roles: WRITE,
      body: createRuleBody,
      response: ruleDto,
      status: 201,
    },
    async ({ body, principal }) => toRuleDto(await createRule(db, principal, body)),
  );
  registry.add(
    router,
    {
      method: 'patch',
      path: '/order-rules/:id',
      summary: 'Change a rule’s params, active flag or description',
      tag,
      roles: WRITE,
      params: ruleIdParams,
      body: updateRuleBody,
      response: ruleDto,
    },
    async ({ params, body, principal }) =>
      toRuleDto(await updateRule(db, principal, params.id, body)),
  );
  registry.add(
    router,
    {
      method: 'delete',
      path: '/order-rules/:id',
      summary: 'Delete a rule',
      tag,
      roles: WRITE,
      params: ruleIdParams,
      status: 204,
    },
    async ({ params, principal }) => {
      await deleteRule(db, principal, params.id);
      return undefined;
    },
  );
  return router;
}

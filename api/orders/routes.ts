/** HTTP for orders and their actions. */
import { Router } from 'express';
import type { AppContext } from '../../context.ts';
import { decodeCursor, pageOf, pageSchema } from '../pagination.ts';
import type { RouteRegistry } from '../route.ts';
import { confirmOrder, transitionOrder } from './actions.ts';
import { returnOrder } from './return.ts';
import { ruleRoutes } from './rule-routes.ts';
import {
  cancelBody,
  createOrderBody,
  orderDto,
  orderQuery,
  orderSummaryDto,
  returnBody,
  toOrderSummaryDto,
} from './schemas.ts';
import { createOrder, listOrders, loadOrderDto } from './service.ts';
import { idParams } from '../fields.ts';

// Orders name customers and prices per customer; executives read the reports built on them, not
// the orders themselves (as they do not read customers).
const READ = ['manager', 'staff', 'analyst'] as const;
const SELL = ['manager', 'staff'] as const;
const APPROVE = ['manager'] as const;

export function orderRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  const db = ctx.ops.db;
  const tag = 'orders';

  registry.add(
    router,
    {
      method: 'get',
      path: '/orders',
      summary: 'List orders (filters: status, customerId, repId, from/to on orderedAt)',
      tag,
      roles: READ,
      query: orderQuery,
      response: pageSchema(orderSummaryDto),
    },
    async ({ query, principal }) => {
      const { cursor, limit, ...filters } = query;
      const rows = await listOrders(db, principal, {
        ...filters,
        afterId: decodeCursor(cursor),
        limit: limit + 1,
      });
      return pageOf(rows, limit, toOrderSummaryDto);
    },
  );
  registry.add(
    router,
    {
      method: 'post',
      path: '/orders',
      summary: 'Create a draft order; prices default to the resolved price',
      tag,
      roles: SELL,
      body: createOrderBody,
      response: orderDto,
      status: 201,
    },
    async ({ body, principal }) => createOrder(db, principal, body),
  );
  registry.add(
    router,
    {
      method: 'get',
      path: '/orders/:id',
      summary: 'One order with lines, totals, status and events',
      tag,
      roles: READ,
      params: idParams,
      response: orderDto,
    },
    async ({ params, principal }) => loadOrderDto(db, principal, params.id),
  );
  registry.add(
    router,
    {
      method: 'post',
      path: '/orders/:id/confirm',
      summary: 'Check the order rules and reserve stock (→ confirmed or pending_approval)',
      tag,
      roles: SELL,
      params: idParams,
      response: orderDto,
    },
    async ({ params, principal }) => confirmOrder(db, principal, params.id),
  );
  for (const [action, summary, roles] of [
    ['approve', 'Approve a pending order (→ confirmed)', APPROVE],
    ['ship', 'Ship: the reservation becomes a deduction (→ shipped)', SELL],
    ['deliver', 'Mark delivered (→ delivered)', SELL],
  ] as const) {
    registry.add(
      router,
      {
        method: 'post',
        path: `/orders/:id/${action}`,
        summary,
        tag,
        roles,
        params: idParams,
        response: orderDto,
      },
      async ({ params, principal }) => transitionOrder(db, principal, params.id, action),
    );
  }
  registry.add(
    router,
    {
      method: 'post',
      path: '/orders/:id/cancel',
      summary: 'Cancel a draft, pending or confirmed order; reserved stock is released',
      tag,
      roles: SELL,
      params: idParams,
      // Declared (so validated as `body` and documented), but optional: an empty POST cancels
      // without a reason. It used to be parsed by hand, which kept it out of the document.
      body: cancelBody,
      bodyOptional: true,
      response: orderDto,
    },
    async ({ params, principal, body }) =>
      transitionOrder(db, principal, params.id, 'cancel', body.reason),
  );
  registry.add(
    router,
    {
      method: 'post',
      path: '/orders/:id/return',
      summary: 'Return quantities of shipped lines: stock comes back, the total is adjusted',
      tag,
      roles: SELL,
      params: idParams,
      body: returnBody,
      response: orderDto,
    },
    async ({ params, body, principal }) => returnOrder(db, principal, params.id, body),
  );

  router.use(ruleRoutes(ctx, registry));
  return router;
}

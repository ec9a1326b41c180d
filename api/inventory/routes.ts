/** HTTP for warehouses, stock levels, the movement ledger, reorder rules and alerts. */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import {
  decodeCursor,
  idPage,
  invalidCursor,
  pageOf,
  pageSchema,
  paginationQuery,
} from '../pagination.ts';
import type { RouteRegistry } from '../route.ts';
import * as repo from './repository.ts';
import {
  alertDto,
  alertQuery,
  movementBody,
  movementDto,
  movementQuery,
  movementResultDto,
  reorderRuleBody,
  reorderRuleDto,
  reorderRulePatch,
  stockLevelDto,
  stockQuery,
  toAlertDto,
  toMovementDto,
  toReorderRuleDto,
  toStockLevelDto,
  toWarehouseDto,
  warehouseBody,
  warehouseDto,
  warehousePatch,
} from './schemas.ts';
import * as service from './service.ts';
import { idParams } from '../fields.ts';

const READ = ['manager', 'staff', 'analyst', 'executive'] as const;
const OPERATE = ['manager', 'staff'] as const;
const MANAGE = ['manager'] as const;

/** Stock levels are keyed by (product, warehouse): the cursor carries both. */
function decodeLevelCursor(cursor: string | undefined): [number, number] | undefined {
  if (!cursor) return undefined;
  const m = /^(\d+)\.(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw invalidCursor();
  return [Number(m[1]), Number(m[2])];
}

export function inventoryRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  const db = ctx.ops.db;
  const tag = 'inventory';

  registry.add(
    router,
    {
      method: 'get',
      path: '/warehouses',
      summary: 'List warehouses',
      tag,
      roles: READ,
      query: paginationQuery,
      response: pageSchema(warehouseDto),
    },
    async ({ query }) =>
      pageOf(await repo.listWarehouses(db, idPage(query)), query.limit, toWarehouseDto),
  );
  registry.add(
    router,
    {
      method: 'post',
      path: '/warehouses',
      summary: 'Create a warehouse',
      tag,
      roles: MANAGE,
      body: warehouseBody,
      response: warehouseDto,
      status: 201,
    },
    async ({ body, principal }) =>
      toWarehouseDto(await service.createWarehouse(db, principal, body)),
  );
  registry.add(
    router,
    {
      method: 'patch',
      path: '/warehouses/:id',
      summary: 'Change a warehouse',
      tag,
      roles: MANAGE,
      params: idParams,
      body: warehousePatch,
      response: warehouseDto,
    },
    async ({ params, body, principal }) =>
      toWarehouseDto(await service.updateWarehouse(db, principal, params.id, body)),
  );

  registry.add(
    router,
    {
      method: 'get',
      path: '/stock',
      summary:
        'Stock levels: onHand, reserved, available per product and warehouse; a named product and warehouse with no stock yet answer one zero level; an unknown one is 404',
      tag,
      roles: READ,
      query: stockQuery,
      response: pageSchema(stockLevelDto),
    },
    async ({ query }) => {
      const rows = await service.listStockLevels(db, {
        productId: query.productId,
        warehouseId: query.warehouseId,
        after: decodeLevelCursor(query.cursor),
        limit: query.limit + 1,
      });
      const more = rows.length > query.limit;
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      return {
        items: page.map(toStockLevelDto),
        nextCursor:
          more && last
            ? Buffer.from(`${last.product_id}.${last.warehouse_id}`).toString('base64url')
            : null,
      };
    },
  );
  registry.add(
    router,
    {
      method: 'post',
      path: '/stock/movements',
      summary: 'Receive, adjust (reason required) or transfer stock',
      tag,
      roles: OPERATE,
      body: movementBody,
      response: movementResultDto,
      status: 201,
    },
    async ({ body, principal }) => {
      const r = await service.recordMovement(db, principal, body);
      return {
        movements: r.movements.map(toMovementDto),
        levels: r.levels.map((l) => ({ ...l })),
        alertIds: r.alertIds,
      };
    },
  );
  registry.add(
    router,
    {
      method: 'get',
      path: '/stock/movements',
      summary: 'The stock ledger, oldest first',
      tag,
      roles: READ,
      query: movementQuery,
      response: pageSchema(movementDto),
    },
    async ({ query }) => {
      const rows = await repo.listMovements(db, {
        ...query,
        afterId: decodeCursor(query.cursor),
        limit: query.limit + 1,
      });
      return pageOf(rows, query.limit, toMovementDto);
    },
  );

  registry.add(
    router,
    {
      method: 'get',
      path: '/reorder-rules',
      summary: 'List reorder rules',
      tag,
      roles: READ,
      query: paginationQuery,
      response: pageSchema(reorderRuleDto),
    },
    async ({ query }) =>
      pageOf(await repo.listReorderRules(db, idPage(query)), query.limit, toReorderRuleDto),
  );
  registry.add(
    router,
    {
      method: 'post',
      path: '/reorder-rules',
      summary: 'Create a reorder rule (product, warehouse, reorder point, reorder quantity)',
      tag,
      roles: MANAGE,
      body: reorderRuleBody,
      response: reorderRuleDto,
      status: 201,
    },
    async ({ body, principal }) =>
      toReorderRuleDto(await service.createReorderRule(db, principal, body)),
  );
  registry.add(
    router,
    {
      method: 'patch',
      path: '/reorder-rules/:id',
      summary: 'Change a reorder rule',
      tag,
      roles: MANAGE,
      params: idParams,
      body: reorderRulePatch,
      response: reorderRuleDto,
    },
    async ({ params, body, principal }) =>
      toReorderRuleDto(await service.updateReorderRule(db, principal, params.id, body)),
  );
  registry.add(
    router,
    {
      method: 'delete',
      path: '/reorder-rules/:id',
      summary: 'Delete a reorder rule (soft)',
      tag,
      roles: MANAGE,
      params: idParams,
      status: 204,
    },
    async ({ params, principal }) => {
      await service.updateReorderRule(db, principal, params.id, { deleted: true });
      return undefined;
    },
  );

  registry.add(
    router,
    {
      method: 'get',
      path: '/alerts',
      summary: 'Alerts (stock.low), oldest first; ?open=true for unacknowledged',
      tag,
      roles: READ,
      query: alertQuery,
      response: pageSchema(alertDto),
    },
    async ({ query }) => {
      const rows = await repo.listAlerts(db, {
        open: query.open === undefined ? undefined : query.open === 'true',
        productId: query.productId,
        afterId: decodeCursor(query.cursor),
        limit: query.limit + 1,
      });
      return pageOf(rows, query.limit, toAlertDto);
    },
  );
  registry.add(
    router,
    {
      method: 'post',
      path: '/alerts/:id/acknowledge',
      summary: 'Acknowledge an alert',
      tag,
      roles: OPERATE,
      params: idParams,
      response: alertDto,
    },
    async ({ params, principal }) =>
      toAlertDto(await service.acknowledgeAlert(db, principal, params.id)),
  );
  return router;
}

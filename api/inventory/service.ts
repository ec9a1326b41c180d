/** Inventory rules: warehouses, manual stock movements, reorder rules and alerts. */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { recordAudit } from '../audit/audit.ts';
import type { Principal } from '../auth/principal.ts';
import { AppError, notFound, unknownReference } from '../errors.ts';
import { applyMovements, type MovementInput } from './ledger.ts';
import * as repo from './repository.ts';
import {
  toAlertDto,
  toMovementDto,
  toReorderRuleDto,
  toWarehouseDto,
  type MovementBody,
} from './schemas.ts';
import { recordEvent } from '../events/record-event.ts';
import { withLockingTransaction } from './transaction.ts';

type Db = Kysely<DB> | Transaction<DB>;

function productExists(db: Db, id: number) {
  return db
    .selectFrom('products')
    .select('id')
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

async function requireProduct(trx: Transaction<DB>, id: number, field = 'productId') {
  if (!(await productExists(trx, id))) throw unknownReference(field, 'product', id);
}

async function requireWarehouse(trx: Transaction<DB>, id: number, field = 'warehouseId') {
  if (!(await repo.findWarehouse(trx, id))) throw unknownReference(field, 'warehouse', id);
}

/** 404 for an id named in the query string, with the field in `errors`. */
function unknownInQuery(field: string, entity: string, id: number): AppError {
  return new AppError('not_found', `${entity} ${id} was not found`, {
    entity,
    id,
    errors: [{ field, in: 'query', message: `unknown ${entity}` }],
  });
}

/**
 * GET stock: levels in (product, warehouse) order after the keyset position `after`. A product
 * or warehouse the query names must exist (404 naming the field), so a typo is not mistaken for
 * "no stock". With both named, the answer is that one level even where no stock ever moved —
 * zeros, as a level row only appears with the first movement — so "how many of X in W" always
 * gets a number.
 */
export async function listStockLevels(
  db: Kysely<DB>,
  q: { productId?: number; warehouseId?: number; after?: [number, number]; limit: number },
) {
  if (q.productId !== undefined && !(await productExists(db, q.productId)))
    throw unknownInQuery('productId', 'product', q.productId);
  if (q.warehouseId !== undefined && !(await repo.findWarehouse(db, q.warehouseId)))
    throw unknownInQuery('warehouseId', 'warehouse', q.warehouseId);
  const rows = await repo.listLevels(db, q);
  if (q.productId === undefined || q.warehouseId === undefined || rows.length > 0 || q.after)
    return rows;
  return [{ product_id: q.productId, warehouse_id: q.warehouseId, on_hand: 0, reserved: 0 }];
}

export async function createWarehouse(
  db: Kysely<DB>,
  principal: Principal,
  input: { code: string; name: string; city?: string | null; active?: boolean },
) {
  return db.transaction().execute(async (trx) => {
    const row = await repo.insertWarehouse(trx, input);
    await recordAudit(trx, {
      principal,
      entity: 'warehouse',
      entityId: row.id,
      action: 'create',
      after: row,
      events: [recordEvent('warehouse', 'created', toWarehouseDto(row), principal)],
    });
    return row;
  });
}

export async function updateWarehouse(
  db: Kysely<DB>,
  principal: Principal,
  id: number,
  input: { code?: string; name?: string; city?: string | null; active?: boolean },
) {
  return db.transaction().execute(async (trx) => {
    const before = await repo.findWarehouse(trx, id, { lock: true });
    if (!before) throw notFound('warehouse', id);
    const after = await repo.updateWarehouse(trx, id, input);
    await recordAudit(trx, {
      principal,
      entity: 'warehouse',
      entityId: id,
      action: 'update',
      before,
      after,
      events: [recordEvent('warehouse', 'updated', toWarehouseDto(after), principal)],
    });
    return after;
  });
}

/** The ledger entries for a receipt, an adjustment or a transfer. */
function movementsFor(body: MovementBody): MovementInput[] {
  switch (body.type) {
    case 'receipt':
      return [
        {
          ...body,
          type: 'receipt',
          onHandDelta: body.quantity,
          reservedDelta: 0,
          referenceType: 'manual',
        },
      ];
    case 'adjustment':
      return [
        {
          ...body,
          type: 'adjustment',
          onHandDelta: body.quantity,
          reservedDelta: 0,
          referenceType: 'manual',
        },
      ];
    case 'transfer':
      return [
        {
          productId: body.productId,
          warehouseId: body.fromWarehouseId,
          type: 'transfer_out',
          onHandDelta: -body.quantity,
          reservedDelta: 0,
          referenceType: 'transfer',
          reason: body.reason,
        },
        {
          productId: body.productId,
          warehouseId: body.toWarehouseId,
          type: 'transfer_in',
          onHandDelta: body.quantity,
          reservedDelta: 0,
          referenceType: 'transfer',
          reason: body.reason,
        },
      ];
  }
}

/** POST stock/movements: receipt, adjustment (reason required) or transfer. */
export async function recordMovement(db: Kysely<DB>, principal: Principal, body: MovementBody) {
  return withLockingTransaction(db, async (trx) => {
    await requireProduct(trx, body.productId);
    if (body.type === 'transfer') {
      await requireWarehouse(trx, body.fromWarehouseId, 'fromWarehouseId');
      await requireWarehouse(trx, body.toWarehouseId, 'toWarehouseId');
    } else {
      await requireWarehouse(trx, body.warehouseId);
    }
    const result = await applyMovements(trx, movementsFor(body), {
      actorKeyId: principal.keyId,
      principal,
    });
    for (const m of result.movements) {
      await recordAudit(trx, {
        principal,
        entity: 'stock_movement',
        entityId: m.id,
        action: m.movement_type,
        after: m,
        events: [
          {
            type: 'stock.movement_recorded',
            entity: { type: 'stock_movement', id: m.id },
            payload: toMovementDto(m),
            principal,
          },
        ],
      });
    }
    return result;
  });
}

export async function createReorderRule(
  db: Kysely<DB>,
  principal: Principal,
  input: {
    productId: number;
    warehouseId: number;
    reorderPoint: number;
    reorderQuantity: number;
    leadTimeDays?: number | null;
  },
) {
  return db.transaction().execute(async (trx) => {
    await requireProduct(trx, input.productId);
    await requireWarehouse(trx, input.warehouseId);
    const row = await repo.upsertReorderRule(trx, {
      product_id: input.productId,
      warehouse_id: input.warehouseId,
      reorder_point: input.reorderPoint,
      reorder_quantity: input.reorderQuantity,
      lead_time_days: input.leadTimeDays ?? null,
    });
    if (!row)
      throw new AppError(
        'conflict',
        `a reorder rule for product ${input.productId} in warehouse ${input.warehouseId} exists; change it instead`,
        {
          errors: [
            {
              field: 'warehouseId',
              in: 'body',
              message: 'a reorder rule for this product and warehouse already exists',
            },
          ],
        },
      );
    await recordAudit(trx, {
      principal,
      entity: 'reorder_rule',
      entityId: row.id,
      action: 'create',
      after: row,
      events: [recordEvent('reorder_rule', 'created', toReorderRuleDto(row), principal)],
    });
    return row;
  });
}

export async function updateReorderRule(
  db: Kysely<DB>,
  principal: Principal,
  id: number,
  input: {
    reorderPoint?: number;
    reorderQuantity?: number;
    leadTimeDays?: number | null;
    deleted?: boolean;
  },
) {
  return db.transaction().execute(async (trx) => {
    const before = await repo.findReorderRule(trx, id, { lock: true });
    if (!before) throw notFound('reorder rule', id);
    const after = await repo.updateReorderRule(trx, id, {
      reorder_point: input.reorderPoint,
      reorder_quantity: input.reorderQuantity,
      lead_time_days: input.leadTimeDays,
      ...(input.deleted ? { deleted_at: new Date() } : {}),
    });
    await recordAudit(trx, {
      principal,
      entity: 'reorder_rule',
      entityId: id,
      action: input.deleted ? 'delete' : 'update',
      before,
      after,
      events: [
        recordEvent(
          'reorder_rule',
          input.deleted ? 'deleted' : 'updated',
          toReorderRuleDto(after),
          principal,
        ),
      ],
    });
    return after;
  });
}

/** POST alerts/{id}/acknowledge; 409 when it already is. */
export async function acknowledgeAlert(db: Kysely<DB>, principal: Principal, id: number) {
  return db.transaction().execute(async (trx) => {
    const before = await repo.findAlert(trx, id);
    if (!before) throw notFound('alert', id);
    if (before.acknowledged_at)
      throw new AppError(
        'conflict',
        `alert ${id} was acknowledged at ${before.acknowledged_at.toISOString()}`,
      );
    const after = await trx
      .updateTable('alerts')
      .set({ acknowledged_at: new Date(), acknowledged_by_key_id: principal.keyId })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      principal,
      entity: 'alert',
      entityId: id,
      action: 'acknowledge',
      before,
      after,
      events: [recordEvent('alert', 'acknowledged', toAlertDto(after), principal)],
    });
    return after;
  });
}

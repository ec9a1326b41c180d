/** SQL for warehouses, stock levels, the movement ledger, reorder rules and alerts. */
import type { Insertable, Kysely, Transaction, Updateable } from 'kysely';
import type { IdPage } from '../pagination.ts';
import type { DB } from '../../db/schema.ts';
import type { MovementType, ReorderRulesTable, WarehousesTable } from '../../db/schema-catalog.ts';
import { listLiveRowsById } from '../../db/live-rows.ts';
import { updateRowById } from '../../db/update-row.ts';

type Db = Kysely<DB> | Transaction<DB>;

export function listWarehouses(db: Db, page?: IdPage) {
  return listLiveRowsById(db, 'warehouses', page);
}

/** A live warehouse; `lock`: FOR NO KEY UPDATE, for an update that follows (db/update-row.ts). */
export function findWarehouse(db: Db, id: number, opts: { lock?: boolean } = {}) {
  return db
    .selectFrom('warehouses')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .$if(opts.lock === true, (q) => q.forNoKeyUpdate())
    .executeTakeFirst();
}

/** The warehouse orders use when they name none: the oldest active one. */
export function defaultWarehouse(db: Db) {
  return db
    .selectFrom('warehouses')
    .select('id')
    .where('deleted_at', 'is', null)
    .where('active', '=', true)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
}

export function insertWarehouse(db: Db, row: Insertable<WarehousesTable>) {
  return db.insertInto('warehouses').values(row).returningAll().executeTakeFirstOrThrow();
}

export function updateWarehouse(db: Db, id: number, set: Updateable<WarehousesTable>) {
  return updateRowById(db, 'warehouses', id, set);
}

/** Levels ordered by (product, warehouse), after the keyset position `after`. */
export function listLevels(
  db: Db,
  f: { productId?: number; warehouseId?: number; after?: [number, number]; limit: number },
) {
  let q = db
    .selectFrom('stock_levels')
    .select(['product_id', 'warehouse_id', 'on_hand', 'reserved']);
  if (f.productId !== undefined) q = q.where('product_id', '=', f.productId);
  if (f.warehouseId !== undefined) q = q.where('warehouse_id', '=', f.warehouseId);
  if (f.after) {
    const [p, w] = f.after;
    q = q.where((eb) => eb(eb.refTuple('product_id', 'warehouse_id'), '>', eb.tuple(p, w)));
  }
  return q.orderBy('product_id').orderBy('warehouse_id').limit(f.limit).execute();
}

export function listMovements(
  db: Db,
  f: {
    productId?: number;
    warehouseId?: number;
    type?: MovementType;
    orderId?: number;
    afterId?: number;
    limit: number;
  },
) {
  let q = db.selectFrom('stock_movements').selectAll();
  if (f.productId !== undefined) q = q.where('product_id', '=', f.productId);
  if (f.warehouseId !== undefined) q = q.where('warehouse_id', '=', f.warehouseId);
  if (f.type !== undefined) q = q.where('movement_type', '=', f.type);
  if (f.orderId !== undefined)
    q = q.where('reference_type', '=', 'order').where('reference_id', '=', f.orderId);
  if (f.afterId !== undefined) q = q.where('id', '>', f.afterId);
  return q.orderBy('id').limit(f.limit).execute();
}

export function listReorderRules(db: Db, page?: IdPage) {
  return db
    .selectFrom('reorder_rules')
    .selectAll()
    .where('deleted_at', 'is', null)
    .$if(page?.afterId !== undefined, (q) => q.where('id', '>', page!.afterId!))
    .orderBy('id')
    .$if(page !== undefined, (q) => q.limit(page!.limit))
    .execute();
}

/** A live reorder rule; `lock`: FOR NO KEY UPDATE, for an update that follows (db/update-row.ts). */
export function findReorderRule(db: Db, id: number, opts: { lock?: boolean } = {}) {
  return db
    .selectFrom('reorder_rules')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .$if(opts.lock === true, (q) => q.forNoKeyUpdate())
    .executeTakeFirst();
}

/** Create a rule, or revive the soft-deleted one for the same product and warehouse. */
export function upsertReorderRule(db: Db, row: Insertable<ReorderRulesTable>) {
  return db
    .insertInto('reorder_rules')
    .values(row)
    .onConflict((oc) =>
      oc
        .columns(['product_id', 'warehouse_id'])
        .doUpdateSet({
          reorder_point: row.reorder_point,
          reorder_quantity: row.reorder_quantity,
          lead_time_days: row.lead_time_days ?? null,
          deleted_at: null,
        })
        .where('reorder_rules.deleted_at', 'is not', null),
    )
    .returningAll()
    .executeTakeFirst();
}

export function updateReorderRule(db: Db, id: number, set: Updateable<ReorderRulesTable>) {
  return updateRowById(db, 'reorder_rules', id, set);
}

export function listAlerts(
  db: Db,
  f: { open?: boolean; productId?: number; afterId?: number; limit: number },
) {
  let q = db.selectFrom('alerts').selectAll();
  if (f.open === true) q = q.where('acknowledged_at', 'is', null);
  if (f.open === false) q = q.where('acknowledged_at', 'is not', null);
  if (f.productId !== undefined) q = q.where('product_id', '=', f.productId);
  if (f.afterId !== undefined) q = q.where('id', '>', f.afterId);
  return q.orderBy('id').limit(f.limit).execute();
}

export function findAlert(db: Db, id: number) {
  return db.selectFrom('alerts').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

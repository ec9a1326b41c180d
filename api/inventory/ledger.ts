/**
 * The only writer of stock. Every change is a row in `stock_movements` and the same delta on
 * `stock_levels`, in the caller's transaction, so the ledger always sums to the levels.
 * Levels are locked with SELECT … FOR UPDATE in (product, warehouse) order — the oversell guard,
 * and a fixed order so two transactions never wait on each other in a cycle. A movement that takes
 * available stock from above a reorder point to at or below it raises a `stock.low` alert,
 * order-event and outbox event in the same transaction; one that takes it back above the point
 * records `stock.restored` in the outbox (docs/events.md).
 */
import { sql, type Selectable, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { MovementType, StockMovementsTable } from '../../db/schema-catalog.ts';
import type { OrderEventsTable } from '../../db/schema-orders.ts';
import type { Principal } from '../auth/principal.ts';
import { AppError } from '../errors.ts';
import { eventRow, recordEvents, type BusinessEvent } from '../events/outbox.ts';

/** One ledger entry to write. */
export interface MovementInput {
  productId: number;
  warehouseId: number;
  type: MovementType;
  onHandDelta: number;
  reservedDelta: number;
  referenceType?: string | null;
  referenceId?: number | null;
  reason?: string | null;
}

/** Stock that a movement set would take below zero or below what is reserved. */
export interface Shortage {
  productId: number;
  warehouseId: number;
  requested: number;
  available: number;
}

/** A level after the movements. */
export interface LevelAfter {
  productId: number;
  warehouseId: number;
  onHand: number;
  reserved: number;
  available: number;
}

/** Result of applyMovements. */
export interface LedgerResult {
  movements: Selectable<StockMovementsTable>[];
  levels: LevelAfter[];
  alertIds: number[];
  /** The stock.low order events written, in id order (an order's answer lists them). */
  events: Selectable<OrderEventsTable>[];
}

/** The most units a stock level (an integer column) holds. */
const MAX_UNITS = 2_147_483_647;

const keyOf = (p: number, w: number) => `${p}:${w}`;

/**
 * Write `movements` and their level changes, or throw 409 listing every shortage and write
 * nothing. `actorKeyId` is recorded on movements and events; `orderId` ties a stock.low event
 * to the order that caused it; `principal` is the outbox events' actor.
 */
export async function applyMovements(
  trx: Transaction<DB>,
  movements: readonly MovementInput[],
  ctx: { actorKeyId: number | null; orderId?: number | null; principal?: Principal | null },
): Promise<LedgerResult> {
  if (movements.length === 0) return { movements: [], levels: [], alertIds: [], events: [] };
  const deltas = new Map<string, { p: number; w: number; onHand: number; reserved: number }>();
  for (const m of movements) {
    const k = keyOf(m.productId, m.warehouseId);
    const d = deltas.get(k) ?? { p: m.productId, w: m.warehouseId, onHand: 0, reserved: 0 };
    d.onHand += m.onHandDelta;
    d.reserved += m.reservedDelta;
    deltas.set(k, d);
  }
  const keys = [...deltas.values()].sort((a, b) => a.p - b.p || a.w - b.w);

  // Stock arriving somewhere new needs a level row to land on.
  const arriving = keys.filter((k) => k.onHand > 0);
  if (arriving.length > 0) {
    await trx
      .insertInto('stock_levels')
      .values(arriving.map((k) => ({ product_id: k.p, warehouse_id: k.w })))
      .onConflict((oc) => oc.columns(['product_id', 'warehouse_id']).doNothing())
      .execute();
  }

  // Written as SQL with arrays: one fixed text (a prepared statement) whatever the number of
  // lines, and no query-builder work on the order hot path.
  const { rows: locked } = await sql<{
    product_id: number;
    warehouse_id: number;
    on_hand: number;
    reserved: number;
    rule_id: number | null;
    reorder_point: number | null;
    reorder_quantity: number | null;
  }>`
    SELECT sl.product_id, sl.warehouse_id, sl.on_hand, sl.reserved,
           rr.id AS rule_id, rr.reorder_point, rr.reorder_quantity
    FROM stock_levels sl
    JOIN unnest(${keys.map((k) => k.p)}::bigint[], ${keys.map((k) => k.w)}::bigint[])
      AS k(product_id, warehouse_id)
      ON sl.product_id = k.product_id AND sl.warehouse_id = k.warehouse_id
    LEFT JOIN reorder_rules rr ON rr.product_id = sl.product_id
      AND rr.warehouse_id = sl.warehouse_id AND rr.deleted_at IS NULL
    ORDER BY sl.product_id, sl.warehouse_id
    FOR UPDATE OF sl`.execute(trx);
  const current = new Map(locked.map((r) => [keyOf(r.product_id, r.warehouse_id), r]));

  const shortages: Shortage[] = [];
  const levels: LevelAfter[] = [];
  for (const k of keys) {
    const row = current.get(keyOf(k.p, k.w));
    const onHand = (row?.on_hand ?? 0) + k.onHand;
    const reserved = (row?.reserved ?? 0) + k.reserved;
    if (onHand < 0 || reserved < 0 || reserved > onHand) {
      const available = (row?.on_hand ?? 0) - (row?.reserved ?? 0);
      // What the caller tried to take out of available stock.
      const requested = Math.max(k.reserved - k.onHand, -k.onHand, 0);
      shortages.push({ productId: k.p, warehouseId: k.w, requested, available });
    }
    levels.push({
      productId: k.p,
      warehouseId: k.w,
      onHand,
      reserved,
      available: onHand - reserved,
    });
  }
  // Levels are integer columns; a receipt that would pass their limit is named here, not left to
  // PostgreSQL's "integer out of range".
  const overfull = levels.filter((l) => l.onHand > MAX_UNITS);
  if (overfull.length > 0) {
    throw new AppError('unprocessable', `stock would exceed ${MAX_UNITS} units`, {
      errors: overfull.map((l) => ({
        field: 'quantity',
        in: 'body',
        message: `product ${l.productId} in warehouse ${l.warehouseId} would hold more than ${MAX_UNITS} units`,
      })),
    });
  }
  if (shortages.length > 0) {
    throw new AppError('conflict', 'not enough available stock', {
      shortages,
      errors: shortages.map((s) => ({
        field: `stock.${s.productId}.${s.warehouseId}`,
        message: `product ${s.productId} in warehouse ${s.warehouseId}: ${s.requested} needed, ${s.available} available`,
      })),
    });
  }

  // Level update and ledger rows in one statement (the UPDATE as a data-modifying CTE, which
  // PostgreSQL runs exactly once whether or not it is read): one round trip less per stock
  // change, and round trips are what bound order throughput (bench/orders.ts).
  const values = sql.join(
    keys.map((k) => sql`(${k.p}::bigint, ${k.w}::bigint, ${k.onHand}::int, ${k.reserved}::int)`),
  );
  const written = await trx
    .with(
      'level_update',
      // Kysely puts no parentheses around a raw CTE body: they are part of the SQL here.
      () =>
        sql`(UPDATE stock_levels sl
        SET on_hand = sl.on_hand + v.d_on_hand, reserved = sl.reserved + v.d_reserved
        FROM (VALUES ${values}) AS v(product_id, warehouse_id, d_on_hand, d_reserved)
        WHERE sl.product_id = v.product_id AND sl.warehouse_id = v.warehouse_id)`,
    )
    .insertInto('stock_movements')
    .values(
      movements.map((m) => ({
        product_id: m.productId,
        warehouse_id: m.warehouseId,
        movement_type: m.type,
        on_hand_delta: m.onHandDelta,
        reserved_delta: m.reservedDelta,
        reference_type: m.referenceType ?? null,
        reference_id: m.referenceId ?? null,
        reason: m.reason ?? null,
        created_by_key_id: ctx.actorKeyId,
      })),
    )
    .returningAll()
    .execute();

  const alertIds: number[] = [];
  const events: Selectable<OrderEventsTable>[] = [];
  const restored: BusinessEvent[] = [];
  for (const level of levels) {
    const row = current.get(keyOf(level.productId, level.warehouseId));
    if (!row || row.reorder_point === null || row.rule_id === null) continue;
    const before = row.on_hand - row.reserved;
    const payload = {
      productId: level.productId,
      warehouseId: level.warehouseId,
      available: level.available,
      reorderPoint: row.reorder_point,
      reorderQuantity: row.reorder_quantity,
      reorderRuleId: row.rule_id,
    };
    const outbox = (type: string, p: Record<string, unknown>): BusinessEvent => ({
      type,
      entity: stockLevelEntity(level.productId, level.warehouseId),
      payload: { ...p, orderId: ctx.orderId ?? null },
      principal: ctx.principal ?? null,
    });
    if (before <= row.reorder_point && level.available > row.reorder_point) {
      restored.push(outbox('stock.restored', payload));
      continue;
    }
    if (!(before > row.reorder_point && level.available <= row.reorder_point)) continue;
    const alert = await trx
      .insertInto('alerts')
      .values({
        kind: 'stock.low',
        product_id: level.productId,
        warehouse_id: level.warehouseId,
        message: `product ${level.productId} in warehouse ${level.warehouseId}: ${level.available} available, reorder point ${row.reorder_point}; reorder ${row.reorder_quantity}`,
        payload: JSON.stringify(payload),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    // The outbox row rides along with the order event: no round trip more for the alert.
    const low = eventRow(outbox('stock.low', { ...payload, alertId: alert.id }));
    events.push(
      await trx
        .with('outbox', (db) => db.insertInto('events').values(low))
        .insertInto('order_events')
        .values({
          order_id: ctx.orderId ?? null,
          event_type: 'stock.low',
          payload: JSON.stringify({ ...payload, alertId: alert.id }),
          actor_key_id: ctx.actorKeyId,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    alertIds.push(alert.id);
  }
  await recordEvents(trx, restored);
  return { movements: written, levels, alertIds, events };
}

/**
 * The entity of stock.low and stock.restored: one stock level (product in warehouse), so a
 * reader following it gets low and restored in turn.
 */
export function stockLevelEntity(productId: number, warehouseId: number) {
  return { type: 'stock_level', id: `${productId}:${warehouseId}` };
}

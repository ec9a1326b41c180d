/**
 * `stock-alerts`: re-evaluate the reorder rules against stock levels. The ledger raises a
 * `stock.low` alert when a movement crosses a reorder point (api/inventory/ledger.ts); this job
 * catches what no movement crossed — a rule created or raised while stock was already low, a
 * level loaded by the import or the demo — with the same alert, order event and outbox event
 * (the ledger's `stock.low`, docs/events.md), once per open alert (an acknowledged alert lets
 * the next evaluation raise a new one).
 */
import { sql } from 'kysely';
import type { JobDefinition } from './types.ts';

export const stockAlertsJob: JobDefinition = {
  name: 'stock-alerts',
  description: 'raise stock.low alerts for stock at or below its reorder point',
  defaultSchedule: '*/5 * * * *',
  resource: 'database',
  managersMayRun: false,
  async run(ctx) {
    const { rows } = await sql<{ id: number }>`
      WITH low AS (
        SELECT r.id AS rule_id, r.product_id, r.warehouse_id, r.reorder_point, r.reorder_quantity,
               sl.on_hand - sl.reserved AS available
        FROM reorder_rules r
        JOIN stock_levels sl ON sl.product_id = r.product_id AND sl.warehouse_id = r.warehouse_id
        WHERE r.deleted_at IS NULL
          AND sl.on_hand - sl.reserved <= r.reorder_point
          AND NOT EXISTS (
            SELECT 1 FROM alerts a
            WHERE a.kind = 'stock.low' AND a.acknowledged_at IS NULL
              AND a.product_id = r.product_id AND a.warehouse_id = r.warehouse_id)
      ), raised AS (
        INSERT INTO alerts (kind, product_id, warehouse_id, message, payload)
        SELECT 'stock.low', product_id, warehouse_id,
               format('product %s in warehouse %s: %s available, reorder point %s; reorder %s',
                      product_id, warehouse_id, available, reorder_point, reorder_quantity),
               jsonb_build_object('productId', product_id, 'warehouseId', warehouse_id,
                                  'available', available, 'reorderPoint', reorder_point,
                                  'reorderQuantity', reorder_quantity, 'reorderRuleId', rule_id)
        FROM low
        RETURNING id, product_id, warehouse_id, payload
      ), outbox AS (
        -- As the ledger writes it (api/inventory/ledger.ts): no order, no actor.
        INSERT INTO events (type, entity_type, entity_id, payload)
        SELECT 'stock.low', 'stock_level', product_id::text || ':' || warehouse_id::text,
               payload || jsonb_build_object('alertId', id, 'orderId', NULL)
        FROM raised ORDER BY id
      )
      INSERT INTO order_events (order_id, event_type, payload, actor_key_id)
      SELECT NULL, 'stock.low', payload || jsonb_build_object('alertId', id), NULL FROM raised
      RETURNING id`.execute(ctx.app.ops.db);
    if (rows.length) ctx.log.info({ alerts: rows.length }, 'stock.low alerts raised');
    return { status: rows.length ? 'succeeded' : 'skipped', rows: rows.length };
  },
};

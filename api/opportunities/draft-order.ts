/**
 * A won opportunity becomes a draft order, in the same transaction as the win, through the
 * orders area's own repository (numbering, lines, the 'order.created' event), so the order is
 * indistinguishable from one entered by hand and still passes the order rules when confirmed.
 */
import type { Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { recordAudit } from '../audit/audit.ts';
import type { Principal } from '../auth/principal.ts';
import { defaultWarehouse } from '../inventory/repository.ts';
import { formatExact, lineNet, orderTotals } from '../orders/money.ts';
import { insertEvent, insertLines, insertOrder } from '../orders/repository.ts';

/** Create the draft order for opportunity `opp` from its lines; returns the order id. */
export async function createDraftOrderFromOpportunity(
  trx: Transaction<DB>,
  principal: Principal,
  opp: { id: number; customer_id: number; owner_rep_id: number | null; title: string },
  lines: readonly {
    line_no: number;
    product_id: number;
    quantity: number;
    unit_price: string;
    discount: string;
  }[],
): Promise<number> {
  const costs = new Map(
    (
      await trx
        .selectFrom('products')
        .select(['id', 'cost'])
        .where(
          'id',
          'in',
          lines.map((l) => l.product_id),
        )
        .execute()
    ).map((p) => [p.id, p.cost]),
  );
  const totals = orderTotals(
    lines.map((l) => ({ quantity: l.quantity, unitPrice: l.unit_price, discount: l.discount })),
  );
  const order = await insertOrder(trx, {
    customer_id: opp.customer_id,
    rep_id: opp.owner_rep_id,
    warehouse_id: (await defaultWarehouse(trx))?.id ?? null,
    notes: `From opportunity ${opp.id}: ${opp.title}`.slice(0, 1000),
    subtotal: totals.subtotal,
    discount_total: totals.discountTotal,
    total: totals.total,
    created_by_key_id: principal.keyId,
  });
  await insertLines(
    trx,
    lines.map((l) => ({
      order_id: order.id,
      line_no: l.line_no,
      product_id: l.product_id,
      quantity: l.quantity,
      unit_price: l.unit_price,
      discount: l.discount,
      line_total: formatExact(lineNet(l.quantity, l.unit_price, l.discount)),
      unit_cost: costs.get(l.product_id) ?? null,
    })),
  );
  await insertEvent(trx, {
    order_id: order.id,
    event_type: 'order.created',
    from_status: null,
    to_status: 'draft',
    payload: { opportunityId: opp.id },
    actor_key_id: principal.keyId,
  });
  await recordAudit(trx, {
    principal,
    entity: 'order',
    entityId: order.id,
    action: 'create',
    after: { ...order, opportunityId: opp.id },
  });
  return order.id;
}

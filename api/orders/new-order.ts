/**
 * The one writer of new orders: POST /orders (service.ts createOrder) and a won opportunity's
 * draft order (api/opportunities/draft-order.ts) both come here, so every order gets its totals
 * by the one money rule, its number, its order.created order event, its audit row and its
 * outbox event the same way — a new path cannot forget one of them. The checks of who may
 * order what at which price stay with each path.
 */
import type { Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Principal } from '../auth/principal.ts';
import { refuseOversizedAmounts } from '../fields.ts';
import { insertLinesEventAndAudit, orderAuditRow } from './combined-sql.ts';
import { formatExact, lineNet, orderTotals } from './money.ts';
import { orderOutboxEvent } from './outbox-event.ts';
import * as repo from './repository.ts';
import { toOrderDto } from './schemas.ts';

/** A priced line of a new order; line numbers follow the order given. */
export interface NewOrderLine {
  productId: number;
  quantity: number;
  unitPrice: string;
  discount: string;
  /** The product's cost now (margin reports), or null when it has none. */
  unitCost: string | null;
}

/** A draft order whose checks have passed. */
export interface NewOrder {
  customerId: number;
  repId: number | null;
  warehouseId: number | null;
  notes: string | null;
  lines: readonly NewOrderLine[];
  /** Where it came from when not entered by hand: kept in its order.created event and audit. */
  origin?: { opportunityId: number };
}

/**
 * Write a draft order with its lines, order.created order event, audit row and outbox event, in
 * the caller's transaction; returns the order as the API shows it. Two round trips: the order
 * row, then everything else in one statement (round trips bound order throughput,
 * bench/orders.ts). 400 naming the field when an amount would not fit its column.
 */
export async function writeNewOrder(trx: Transaction<DB>, principal: Principal, draft: NewOrder) {
  const lines = draft.lines.map((l, i) => ({
    line_no: i + 1,
    product_id: l.productId,
    quantity: l.quantity,
    unit_price: l.unitPrice,
    discount: l.discount,
    line_total: formatExact(lineNet(l.quantity, l.unitPrice, l.discount)),
    unit_cost: l.unitCost,
  }));
  const totals = orderTotals(
    lines.map((l) => ({ quantity: l.quantity, unitPrice: l.unit_price, discount: l.discount })),
  );
  refuseOversizedAmounts([
    ...lines.map((l, i) => ({ field: `lines.${i}.quantity`, value: l.line_total })),
    { field: 'lines', value: totals.subtotal },
  ]);
  const order = await repo.insertOrder(trx, {
    customer_id: draft.customerId,
    rep_id: draft.repId,
    warehouse_id: draft.warehouseId,
    notes: draft.notes,
    subtotal: totals.subtotal,
    discount_total: totals.discountTotal,
    total: totals.total,
    created_by_key_id: principal.keyId,
  });
  const origin = draft.origin ?? {};
  const transition = { fromStatus: null, toStatus: 'draft', details: origin };
  const { lines: inserted, event: created } = await insertLinesEventAndAudit(
    trx,
    lines.map((l) => ({ ...l, order_id: order.id })),
    {
      order_id: order.id,
      event_type: 'order.created',
      to_status: 'draft',
      actor_key_id: principal.keyId,
      payload: origin,
    },
    orderAuditRow(principal, order.id, 'create', null, { ...order, ...origin }),
    orderOutboxEvent('order.created', order, null, transition, principal),
  );
  // Answer from the rows just written: reading them back cost three more round trips per
  // order, and round trips are what bound throughput (bench/orders.ts).
  return toOrderDto(order, inserted, [created]);
}

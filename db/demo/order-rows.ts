/**
 * CSV rows of orders, order lines and order events (column order: DEMO_COLUMNS in tables.ts).
 * Written byte by byte through CsvBytes: these are the tables with millions of rows.
 */
import type { CsvBytes } from './csv-bytes.ts';
import type { OrderTimeline } from './timeline.ts';

/** Money of one order, integer cents. */
export interface OrderMoney {
  subtotal: number;
  discount: number;
  returned: number;
  total: number;
}

/** One orders row (source 'demo'; created_at = ordered_at). */
export function writeOrderRow(
  w: CsvBytes,
  id: number,
  customerId: number,
  repId: number,
  warehouseId: number,
  orderedSec: number,
  money: OrderMoney,
  tl: OrderTimeline,
): void {
  w.int(id).c().ascii('SO-').int(id, 6).c().int(customerId).c().int(repId).c().int(warehouseId).c();
  w.ascii(tl.status).c().cents(money.subtotal).c().cents(money.discount).c().cents(money.returned);
  w.c().cents(money.total).c().ascii('demo').c().ts(orderedSec).c().optTs(tl.confirmedSec).c();
  w.optTs(tl.approvedSec).c().optTs(tl.shippedSec).c().optTs(tl.deliveredSec).c();
  w.optTs(tl.cancelledSec).c().optTs(tl.returnedSec).c().optTs(tl.paidSec).c().ts(orderedSec).nl();
}

/** One order_lines row; prices and discount in ten-thousandths, line total in cents. */
export function writeLineRow(
  w: CsvBytes,
  id: number,
  orderId: number,
  lineNo: number,
  productId: number,
  quantity: number,
  unitPrice: number,
  discount: number,
  lineTotal: number,
  unitCost: number,
  returnedQuantity: number,
): void {
  w.int(id).c().int(orderId).c().int(lineNo).c().int(productId).c().int(quantity).c();
  w.tenK(unitPrice).c().tenK(discount).c().cents(lineTotal).c().tenK(unitCost).c();
  w.int(returnedQuantity).nl();
}

/**
 * One outbox row per status change of an order, already published (the demo's history is not
 * re-sent to webhooks). event_type is 'order.created' then 'order.<new status>'. Returns the
 * number of rows written; ids continue from `firstId`.
 */
export function writeEventRows(
  w: CsvBytes,
  firstId: number,
  orderId: number,
  orderedSec: number,
  totalCents: number,
  tl: OrderTimeline,
): number {
  let id = firstId;
  let from = '';
  const add = (type: string, to: string, sec: number) => {
    w.int(id++).c().int(orderId).c().ascii(type).c().ascii(from).c().ascii(to).c();
    // payload {"number": "SO-000123", "total": "45.60"}, CSV-quoted
    w.ascii('"{""number"": ""SO-').int(orderId, 6).ascii('"", ""total"": ""').cents(totalCents);
    w.ascii('""}"')
      .c()
      .ts(sec)
      .c()
      .ts(sec + 1)
      .nl();
    from = to;
  };
  add('order.created', 'draft', orderedSec);
  if (tl.pendingSec >= 0) add('order.pending_approval', 'pending_approval', tl.pendingSec);
  if (tl.cancelledSec >= 0) add('order.cancelled', 'cancelled', tl.cancelledSec);
  if (tl.confirmedSec >= 0) add('order.confirmed', 'confirmed', tl.confirmedSec);
  if (tl.shippedSec >= 0) add('order.shipped', 'shipped', tl.shippedSec);
  if (tl.deliveredSec >= 0) add('order.delivered', 'delivered', tl.deliveredSec);
  if (tl.returnedSec >= 0) add('order.returned', 'returned', tl.returnedSec);
  return id - firstId;
}

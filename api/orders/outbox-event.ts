/**
 * The outbox event of an order write (docs/events.md): the order as GET /orders/{id} shows it,
 * but without its `events` list — that list is the order's history, which the outbox itself is,
 * and carrying it in every event would make each payload grow with the order's life — plus
 * `transition`, what the order's order_events row of the same write says (from, to, details
 * such as a cancel's reason or the lines returned).
 */
import type { Selectable } from 'kysely';
import type { OrderLinesTable, OrdersTable } from '../../db/schema-orders.ts';
import type { Principal } from '../auth/principal.ts';
import type { BusinessEvent } from '../events/outbox.ts';
import { toOrderLineDto, toOrderSummaryDto } from './schemas.ts';

/** What moved: the order_events row's statuses and payload. */
export interface OrderTransition {
  fromStatus: string | null;
  toStatus: string | null;
  details: unknown;
}

/**
 * The event `type` of `order` after the write, with its `lines` (as they are after it). `lines`
 * null: the caller adds them in SQL, in the statement that inserts them (a new order's line ids
 * exist only there; combined-sql.ts).
 */
export function orderOutboxEvent(
  type: string,
  order: Selectable<OrdersTable>,
  lines: readonly Selectable<OrderLinesTable>[] | null,
  transition: OrderTransition,
  principal: Principal,
): BusinessEvent {
  return {
    type,
    entity: { type: 'order', id: order.id },
    customerId: order.customer_id,
    payload: {
      ...toOrderSummaryDto(order),
      ...(lines ? { lines: lines.map(toOrderLineDto) } : {}),
      transition: { ...transition, details: transition.details ?? {} },
    },
    principal,
  };
}

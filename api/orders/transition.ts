/**
 * What every order action shares: the order locked and checked (scope, allowed transition), the
 * stock ledger entries of its lines, and the recorded transition (status, order event, audit row
 * and outbox event in one statement). The actions themselves are in actions.ts (confirm,
 * approve, ship, deliver, cancel) and return.ts.
 */
import type { Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { OrderStatus } from '../../db/schema-orders.ts';
import type { Principal } from '../auth/principal.ts';
import { canSeeOwner, visibleRepIds } from '../auth/scope.ts';
import { AppError, notFound } from '../errors.ts';
import type { MovementInput } from '../inventory/ledger.ts';
import {
  insertEventAndAudit,
  orderAuditRow,
  updateOrderWithEventAndAudit,
} from './combined-sql.ts';
import { orderOutboxEvent } from './outbox-event.ts';
import * as repo from './repository.ts';
import { toOrderDto } from './schemas.ts';
import { nextStatus, type OrderAction } from './state-machine.ts';

type Locked = repo.LockedOrder;
/** An order line as read by the actions. */
export type Line = Awaited<ReturnType<typeof repo.findLines>>[number];
/** An order event as read by the actions (and written by the ledger). */
export type Event = Awaited<ReturnType<typeof repo.findEvents>>[number];

/** Timestamp column set when an order enters each status. */
const STAMP: Partial<
  Record<
    OrderStatus,
    'confirmed_at' | 'shipped_at' | 'delivered_at' | 'cancelled_at' | 'returned_at'
  >
> = {
  confirmed: 'confirmed_at',
  shipped: 'shipped_at',
  delivered: 'delivered_at',
  cancelled: 'cancelled_at',
  returned: 'returned_at',
};

const EVENT: Record<OrderAction, string> = {
  confirm: 'order.confirmed',
  approve: 'order.approved',
  ship: 'order.shipped',
  deliver: 'order.delivered',
  cancel: 'order.cancelled',
  return: 'order.returned',
};

/** Lock the order, check scope and that `action` is allowed; 404 / 409 otherwise. */
export async function lockForAction(
  trx: Transaction<DB>,
  principal: Principal,
  id: number,
  action: OrderAction,
) {
  return checkAction(trx, principal, id, await repo.lockOrder(trx, id), action);
}

/** Scope and transition checks on a locked order (undefined: none with that id). */
export async function checkAction(
  trx: Transaction<DB>,
  principal: Principal,
  id: number,
  order: Locked | undefined,
  action: OrderAction,
) {
  const visible = await visibleRepIds(trx, principal);
  if (!order || !canSeeOwner(visible, order.customer_owner_rep_id)) throw notFound('order', id);
  const next = nextStatus(order.status, action, false, { delivered: order.delivered_at !== null });
  if (!next.ok) throw new AppError('conflict', next.message, { from: order.status, to: next.to });
  return { order, to: next.to, visible };
}

/** One ledger entry per line, all against the order's warehouse. */
export function lineMovements(
  order: Locked,
  lines: readonly { product_id: number; quantity: number }[],
  type: 'reservation' | 'release' | 'shipment' | 'return',
  reason?: string,
): MovementInput[] {
  const sign = { reservation: [0, 1], release: [0, -1], shipment: [-1, -1], return: [1, 0] }[type];
  return lines.map((l) => ({
    productId: l.product_id,
    warehouseId: order.warehouse_id!,
    type,
    onHandDelta: sign[0]! * l.quantity,
    reservedDelta: sign[1]! * l.quantity,
    referenceType: 'order',
    referenceId: order.id,
    reason: reason ?? null,
  }));
}

/**
 * Status change, order event, audit row and outbox event for an action that passed its checks;
 * returns the order as the API shows it. Built from the updated row, the lines in hand and
 * `events` (the order's events read after the lock, plus any stock.low ones the ledger just
 * wrote) — re-reading cost round trips, and round trips are what bound order throughput
 * (bench/orders.ts). The events and the audit row go in one statement.
 */
export async function recordTransition(
  trx: Transaction<DB>,
  principal: Principal,
  order: Locked,
  action: OrderAction,
  to: OrderStatus,
  lines: Line[],
  events: Event[],
  extra: { set?: Record<string, unknown>; payload?: unknown } = {},
) {
  const now = new Date();
  const stamp = STAMP[to];
  const set = {
    status: to,
    ...(stamp ? { [stamp]: now } : {}),
    ...(action === 'approve' ? { approved_at: now } : {}),
  };
  const {
    customer_owner_rep_id,
    customer_blocked,
    customer_credit_limit,
    creator_role,
    ...before
  } = order;
  const event = {
    event_type: to === 'pending_approval' ? 'order.pending_approval' : EVENT[action],
    from_status: order.status,
    to_status: to,
    payload: extra.payload,
  };
  const transition = { fromStatus: order.status, toStatus: to, details: extra.payload };
  if (!extra.set) {
    // Every changed value is known here: status, events and audit row in one statement.
    const after = { ...before, ...set };
    const outbox = orderOutboxEvent(event.event_type, after, lines, transition, principal);
    const r = await updateOrderWithEventAndAudit(
      trx,
      principal,
      action,
      before,
      set,
      event,
      outbox,
    );
    return toOrderDto(r.after, lines, [...events, r.event]);
  }
  // Computed columns (return's totals) come back as PostgreSQL formats them: audit the real row.
  const after = await trx
    .updateTable('orders')
    .set({ ...set, ...extra.set })
    .where('id', '=', order.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const written = await insertEventAndAudit(
    trx,
    { ...event, order_id: order.id, actor_key_id: principal.keyId },
    orderAuditRow(principal, order.id, action, before, after),
    orderOutboxEvent(event.event_type, after, lines, transition, principal),
  );
  return toOrderDto(after, lines, [...events, written]);
}

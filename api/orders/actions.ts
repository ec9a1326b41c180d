/**
 * Order actions: confirm (rules, reservation), approve, ship (reservation → deduction), deliver,
 * cancel (releases the reservation), return (stock back, totals adjusted). Each runs in one
 * transaction that locks the order row first and the stock rows after it, and writes the status,
 * the ledger, an order event and an audit row together — or nothing.
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB, OrderStatus, Role } from '../../db/schema.ts';
import type { Principal } from '../auth/principal.ts';
import { canSeeOwner, visibleRepIds } from '../auth/scope.ts';
import { AppError, notFound, type FieldError } from '../errors.ts';
import { applyMovements, type MovementInput } from '../inventory/ledger.ts';
import { withLockingTransaction } from '../inventory/transaction.ts';
import { orderTotals } from './money.ts';
import {
  insertEventAndAudit,
  lockDraftWithDetails,
  orderAuditRow,
  orderDetails,
  updateOrderWithEventAndAudit,
} from './combined-sql.ts';
import * as repo from './repository.ts';
import { repInTeam, repProblem } from './service.ts';
import { evaluateRules, type OrderRule } from './rules.ts';
import { toOrderDto } from './schemas.ts';
import { RESERVING, nextStatus, type OrderAction } from './state-machine.ts';

type Locked = repo.LockedOrder;
type Line = Awaited<ReturnType<typeof repo.findLines>>[number];
type Event = Awaited<ReturnType<typeof repo.findEvents>>[number];

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
async function lockForAction(
  trx: Transaction<DB>,
  principal: Principal,
  id: number,
  action: OrderAction,
) {
  return checkAction(trx, principal, id, await repo.lockOrder(trx, id), action);
}

/** Scope and transition checks on a locked order (undefined: none with that id). */
async function checkAction(
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
function lineMovements(
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
 * Status change, event and audit row for an action that passed its checks; returns the order as
 * the API shows it. Built from the updated row, the lines in hand and `events` (the order's events
 * read after the lock, plus any stock.low ones the ledger just wrote) — re-reading cost round
 * trips, and round trips are what bound order throughput (bench/orders.ts). The event and audit
 * row go in one statement.
 */
async function recordTransition(
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
  if (!extra.set) {
    // Every changed value is known here: status, event and audit row in one statement.
    const r = await updateOrderWithEventAndAudit(trx, principal, action, before, set, event);
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
  );
  return toOrderDto(after, lines, [...events, written]);
}

/** POST orders/{id}/confirm: rules (422 listing every failure), reservation (409 on shortage). */
export function confirmOrder(db: Kysely<DB>, principal: Principal, id: number) {
  return withLockingTransaction(db, async (trx) => {
    // The lock, lines, events and active rules in one statement (see lockDraftWithDetails).
    const details = await lockDraftWithDetails(trx, id);
    const { order, visible } = await checkAction(trx, principal, id, details.order, 'confirm');
    // Orders written before create checked the rep (or by an admin for any team) must not start
    // counting for another team's rep through a confirm by this one.
    if (order.rep_id !== null && !repInTeam(visible, order.rep_id))
      throw repProblem(
        order.rep_id,
        'is not in your team: the order would count for another team',
        false,
      );
    if (order.warehouse_id === null)
      throw new AppError('unprocessable', 'the order has no warehouse to reserve stock in', {
        errors: [{ field: 'warehouseId', message: 'create a warehouse first' }],
      });
    const { lines } = details;
    const rules = details.rules as OrderRule[];
    let openTotal = '0';
    if (order.customer_credit_limit !== null && rules.some((r) => r.kind === 'credit_limit')) {
      await repo.lockCustomer(trx, order.customer_id); // two confirms cannot both use the headroom
      openTotal = await repo.openUnpaidTotal(trx, order.customer_id, id);
    }
    const outcome = evaluateRules(rules, {
      role: (order.creator_role as Role | null) ?? principal.role,
      orderTotal: order.total,
      lines: lines.map((l) => ({ lineNo: l.line_no, discount: l.discount })),
      customer: { blocked: order.customer_blocked, creditLimit: order.customer_credit_limit },
      openTotal,
    });
    if (outcome.failures.length > 0) {
      throw new AppError(
        'unprocessable',
        `order rules failed: ${outcome.failures.map((f) => f.ruleId).join(', ')}`,
        {
          failedRules: outcome.failures,
          errors: outcome.failures.map((f) => ({ field: `rules.${f.ruleId}`, message: f.message })),
        },
      );
    }
    const to: OrderStatus = outcome.approvals.length > 0 ? 'pending_approval' : 'confirmed';
    const reserved = await applyMovements(trx, lineMovements(order, lines, 'reservation'), {
      actorKeyId: principal.keyId,
      orderId: id,
    });
    const events = [...details.events, ...reserved.events];
    return recordTransition(trx, principal, order, 'confirm', to, lines, events, {
      payload: outcome.approvals.length ? { approvalRules: outcome.approvals } : undefined,
    });
  });
}

/** approve, ship, deliver, cancel: move the order and the stock its status holds. */
export function transitionOrder(
  db: Kysely<DB>,
  principal: Principal,
  id: number,
  action: 'approve' | 'ship' | 'deliver' | 'cancel',
  reason?: string,
) {
  return withLockingTransaction(db, async (trx) => {
    const { order, to } = await lockForAction(trx, principal, id, action);
    const { lines, events } = await orderDetails(trx, id);
    if (action === 'deliver') {
      // The guard on what is left needs the lines, read only now.
      const unitsLeft = lines.reduce((n, l) => n + l.quantity - l.returned_quantity, 0);
      const next = nextStatus(order.status, action, false, {
        delivered: order.delivered_at !== null,
        unitsLeft,
      });
      if (!next.ok)
        throw new AppError('conflict', next.message, { from: order.status, to: next.to });
    }
    const ctx = { actorKeyId: principal.keyId, orderId: id };
    let moved: Event[] = [];
    if (action === 'ship')
      moved = (await applyMovements(trx, lineMovements(order, lines, 'shipment'), ctx)).events;
    if (action === 'cancel' && RESERVING.includes(order.status))
      moved = (await applyMovements(trx, lineMovements(order, lines, 'release', reason), ctx))
        .events;
    return recordTransition(trx, principal, order, action, to, lines, [...events, ...moved], {
      payload: reason ? { reason } : undefined,
    });
  });
}

/** POST orders/{id}/return: given quantities of given lines come back into stock. */
export function returnOrder(
  db: Kysely<DB>,
  principal: Principal,
  id: number,
  body: { lines: { lineId: number; quantity: number }[]; reason?: string },
) {
  return withLockingTransaction(db, async (trx) => {
    const { order, to } = await lockForAction(trx, principal, id, 'return');
    const { lines, events } = await orderDetails(trx, id);
    const byId = new Map(lines.map((l) => [l.id, l]));
    const requested = new Map<number, number>();
    for (const r of body.lines)
      requested.set(r.lineId, (requested.get(r.lineId) ?? 0) + r.quantity);
    const bad: FieldError[] = [];
    body.lines.forEach((r, i) => {
      const line = byId.get(r.lineId);
      if (!line)
        bad.push({
          field: `lines.${i}.lineId`,
          in: 'body',
          message: `line ${r.lineId} is not on order ${id}`,
        });
      else if (requested.get(r.lineId)! > line.quantity - line.returned_quantity)
        bad.push({
          field: `lines.${i}.quantity`,
          in: 'body',
          message: `only ${line.quantity - line.returned_quantity} of line ${line.line_no} can still be returned`,
        });
    });
    if (bad.length) throw new AppError('unprocessable', 'invalid return', { errors: bad });

    const returned: (Line & { back: number })[] = [...requested].map(([lineId, back]) => ({
      ...byId.get(lineId)!,
      back,
    }));
    const moved = await applyMovements(
      trx,
      lineMovements(
        order,
        returned.map((l) => ({ product_id: l.product_id, quantity: l.back })),
        'return',
        body.reason,
      ),
      { actorKeyId: principal.keyId, orderId: id },
    );
    for (const l of returned) {
      await trx
        .updateTable('order_lines')
        .set({ returned_quantity: l.returned_quantity + l.back })
        .where('id', '=', l.id)
        .execute();
    }
    const totals = orderTotals(
      lines.map((l) => ({
        quantity: l.quantity,
        unitPrice: l.unit_price,
        discount: l.discount,
        returnedQuantity: l.returned_quantity + (requested.get(l.id) ?? 0),
      })),
    );
    // Lines changed (returned quantities): read them again for the answer; returns are rare.
    const linesAfter = await repo.findLines(trx, id);
    return recordTransition(
      trx,
      principal,
      order,
      'return',
      to,
      linesAfter,
      [...events, ...moved.events],
      {
        set: { returned_total: totals.returnedTotal, total: totals.total },
        payload: {
          lines: returned.map((l) => ({ lineId: l.id, productId: l.product_id, quantity: l.back })),
          reason: body.reason ?? null,
        },
      },
    );
  });
}

/**
 * Order actions: confirm (rules, reservation), approve, ship (reservation → deduction), deliver,
 * cancel (releases the reservation); return is in return.ts. Each runs in one transaction that
 * locks the order row first and the stock rows after it, and writes the status, the ledger, an
 * order event and an audit row together — or nothing (transition.ts).
 */
import type { Kysely } from 'kysely';
import type { DB, Role } from '../../db/schema.ts';
import type { OrderStatus } from '../../db/schema-orders.ts';
import type { Principal } from '../auth/principal.ts';
import { AppError, fieldProblem } from '../errors.ts';
import { applyMovements } from '../inventory/ledger.ts';
import { withLockingTransaction } from '../inventory/transaction.ts';
import { repInTeam } from '../teams/rep-rule.ts';
import { lockDraftWithDetails, orderDetails } from './combined-sql.ts';
import * as repo from './repository.ts';
import { evaluateRules, type OrderRule } from './rules.ts';
import { RESERVING, nextStatus } from './state-machine.ts';
import {
  checkAction,
  lineMovements,
  lockForAction,
  recordTransition,
  type Event,
} from './transition.ts';

/** POST orders/{id}/confirm: rules (422 listing every failure), reservation (409 on shortage). */
export function confirmOrder(db: Kysely<DB>, principal: Principal, id: number) {
  return withLockingTransaction(db, async (trx) => {
    // The lock, lines, events and active rules in one statement (see lockDraftWithDetails).
    const details = await lockDraftWithDetails(trx, id);
    const { order, visible } = await checkAction(trx, principal, id, details.order, 'confirm');
    // Orders written before create checked the rep (or by an admin for any team) must not start
    // counting for another team's rep through a confirm by this one.
    if (order.rep_id !== null && !repInTeam(visible, order.rep_id))
      // No `in`: the stored order's rep, not a field of this request.
      throw fieldProblem(
        'unprocessable',
        'repId',
        `sales rep ${order.rep_id} is not in your team: the order would count for another team`,
      );
    if (order.warehouse_id === null)
      throw fieldProblem(
        'unprocessable',
        'warehouseId',
        'create a warehouse first',
        undefined,
        'the order has no warehouse to reserve stock in',
      );
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
      principal,
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
    const ctx = { actorKeyId: principal.keyId, orderId: id, principal };
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

/**
 * The order life cycle as data. Pure: the service asks `nextStatus` before touching anything and
 * answers 409 naming both states when an action is not allowed from the current one.
 *
 *   draft → confirmed | pending_approval → confirmed → shipped → delivered
 *   cancelled from draft, pending_approval, confirmed; returned (partly or wholly) after shipped
 *   a shipped order partly returned before delivery (returned, never delivered, units left) can
 *   still be delivered
 */
import type { OrderStatus } from '../../db/schema-orders.ts';

/** Every action that moves an order. */
export type OrderAction = 'confirm' | 'approve' | 'ship' | 'deliver' | 'cancel' | 'return';

/** From which states each action may start, and where it lands. */
export const TRANSITIONS: Record<
  OrderAction,
  { from: readonly OrderStatus[]; to: readonly OrderStatus[] }
> = {
  confirm: { from: ['draft'], to: ['confirmed', 'pending_approval'] },
  approve: { from: ['pending_approval'], to: ['confirmed'] },
  ship: { from: ['confirmed'], to: ['shipped'] },
  // From returned only as DELIVER_GUARD allows: what was partly returned in transit.
  deliver: { from: ['shipped', 'returned'], to: ['delivered'] },
  cancel: { from: ['draft', 'pending_approval', 'confirmed'], to: ['cancelled'] },
  // A partly returned order is 'returned' and can take further returns until nothing is left.
  return: { from: ['shipped', 'delivered', 'returned'], to: ['returned'] },
};

/** Statuses that hold reserved stock (released on cancel, deducted on ship). */
export const RESERVING: readonly OrderStatus[] = ['pending_approval', 'confirmed'];

/** What some transitions need to know beyond the status. */
export interface OrderFacts {
  /** The order has been delivered before (delivered_at is set). */
  delivered?: boolean;
  /** Units not returned, over all lines; unknown when absent. */
  unitsLeft?: number;
}

/**
 * Why a returned order cannot be delivered, or null when it can: a shipped order from which
 * part came back before it arrived is delivered with the rest. One that was delivered already,
 * or from which everything came back, has nothing left to deliver.
 */
function deliverGuard(status: OrderStatus, facts: OrderFacts): string | null {
  if (status !== 'returned') return null;
  if (facts.delivered) return 'it was delivered before it was returned';
  if (facts.unitsLeft === 0) return 'every unit came back';
  return null;
}

/** Is `action` allowed from `status` (before any guard on the order's facts)? */
export function canTransition(status: OrderStatus, action: OrderAction): boolean {
  return TRANSITIONS[action].from.includes(status);
}

/**
 * The status after `action`, or an error message naming both states. `needsApproval` picks
 * pending_approval for confirm; `facts` feed the guards (deliver from returned).
 */
export function nextStatus(
  status: OrderStatus,
  action: OrderAction,
  needsApproval = false,
  facts: OrderFacts = {},
): { ok: true; to: OrderStatus } | { ok: false; message: string; to: OrderStatus } {
  const rule = TRANSITIONS[action];
  const to: OrderStatus =
    action === 'confirm' && needsApproval ? 'pending_approval' : (rule.to[0] as OrderStatus);
  const refusal = `cannot ${action} an order that is ${status}: ${status} → ${to} is not allowed`;
  if (!rule.from.includes(status)) return { ok: false, to, message: refusal };
  const guard = action === 'deliver' ? deliverGuard(status, facts) : null;
  if (guard) return { ok: false, to, message: `${refusal} (${guard})` };
  return { ok: true, to };
}

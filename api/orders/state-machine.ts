/**
 * The order life cycle as data. Pure: the service asks `nextStatus` before touching anything and
 * answers 409 naming both states when an action is not allowed from the current one.
 *
 *   draft → confirmed | pending_approval → confirmed → shipped → delivered
 *   cancelled from draft, pending_approval, confirmed; returned (partly or wholly) after shipped
 */
import type { OrderStatus } from '../../db/schema.ts';

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
  deliver: { from: ['shipped'], to: ['delivered'] },
  cancel: { from: ['draft', 'pending_approval', 'confirmed'], to: ['cancelled'] },
  // A partly returned order is 'returned' and can take further returns until nothing is left.
  return: { from: ['shipped', 'delivered', 'returned'], to: ['returned'] },
};

/** Statuses that hold reserved stock (released on cancel, deducted on ship). */
export const RESERVING: readonly OrderStatus[] = ['pending_approval', 'confirmed'];

/** Is `action` allowed from `status`? */
export function canTransition(status: OrderStatus, action: OrderAction): boolean {
  return TRANSITIONS[action].from.includes(status);
}

/**
 * The status after `action`, or an error message naming both states. `needsApproval` picks
 * pending_approval for confirm.
 */
export function nextStatus(
  status: OrderStatus,
  action: OrderAction,
  needsApproval = false,
): { ok: true; to: OrderStatus } | { ok: false; message: string; to: OrderStatus } {
  const rule = TRANSITIONS[action];
  const to: OrderStatus =
    action === 'confirm' && needsApproval ? 'pending_approval' : (rule.to[0] as OrderStatus);
  if (!rule.from.includes(status)) {
    return {
      ok: false,
      to,
      message: `cannot ${action} an order that is ${status}: ${status} → ${to} is not allowed`,
    };
  }
  return { ok: true, to };
}

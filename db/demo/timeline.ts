/**
 * The life of one demo order: when it was submitted, approved, confirmed, shipped, delivered,
 * paid, cancelled or returned. Every step is drawn first, then only the steps before the data's
 * "now" happened, so the status always agrees with the timestamps: old orders are delivered (or
 * cancelled/returned), the last two weeks hold a natural mix of draft … shipped.
 */
import type { OrderStatus } from '../schema-orders.ts';
import { businessTimeOfDay, SECONDS_PER_DAY } from './calendar.ts';
import type { Rng } from './prng.ts';

const CANCEL_RATE = 0.03;
const RETURN_RATE = 0.035;
/** Share of orders left as drafts for days before being submitted. */
const SLOW_DRAFT_RATE = 0.05;

/** Epoch seconds of each step; -1 = did not happen (before "now"). */
export interface OrderTimeline {
  status: OrderStatus;
  pendingSec: number;
  approvedSec: number;
  confirmedSec: number;
  shippedSec: number;
  deliveredSec: number;
  paidSec: number;
  cancelledSec: number;
  returnedSec: number;
}

/** A time on a later business day: `days` after the day of `sec`. */
function laterBusinessTime(rng: Rng, sec: number, days: number): number {
  return (Math.floor(sec / SECONDS_PER_DAY) + days) * SECONDS_PER_DAY + businessTimeOfDay(rng);
}

/** Reusable result object: the simulation handles millions of orders without allocating. */
const t: OrderTimeline = {
  status: 'draft',
  pendingSec: -1,
  approvedSec: -1,
  confirmedSec: -1,
  shippedSec: -1,
  deliveredSec: -1,
  paidSec: -1,
  cancelledSec: -1,
  returnedSec: -1,
};

/**
 * Draw the timeline of an order placed at `orderedSec` with the given total, as of `nowSec`;
 * orders above `approvalAboveCents` (the active 'approval_above_total' rule) wait for a manager.
 * The returned object is reused by the next call.
 */
export function drawTimeline(
  rng: Rng,
  orderedSec: number,
  totalCents: number,
  nowSec: number,
  approvalAboveCents: number,
): OrderTimeline {
  const cancels = rng.chance(CANCEL_RATE);
  const returns = rng.chance(RETURN_RATE);
  const submitSec =
    orderedSec +
    (rng.chance(SLOW_DRAFT_RATE) ? rng.int(1, 10) * SECONDS_PER_DAY : rng.int(60, 6 * 3600));
  const needsApproval = totalCents > approvalAboveCents;
  const approvedSec = needsApproval ? submitSec + rng.int(3600, 7 * SECONDS_PER_DAY) : -1;
  const confirmedSec = needsApproval ? approvedSec : submitSec;
  const shippedSec = laterBusinessTime(rng, confirmedSec, rng.int(1, 4));
  const deliveredSec = laterBusinessTime(rng, shippedSec, rng.int(1, 5));
  const returnedSec = returns ? laterBusinessTime(rng, deliveredSec, rng.int(3, 25)) : -1;
  const paidSec = laterBusinessTime(rng, deliveredSec, rng.int(10, 45));
  const cancelledSec = cancels ? orderedSec + rng.int(3600, 2 * SECONDS_PER_DAY) : -1;
  const happened = (sec: number) => (sec >= 0 && sec < nowSec ? sec : -1);

  t.pendingSec = needsApproval ? happened(submitSec) : -1;
  t.approvedSec = t.confirmedSec = t.shippedSec = t.deliveredSec = t.paidSec = t.returnedSec = -1;
  t.cancelledSec = -1;
  if (cancels) {
    // Cancelled before confirmation: nothing was reserved or shipped.
    if (t.pendingSec >= cancelledSec) t.pendingSec = -1;
    t.cancelledSec = happened(cancelledSec);
    t.status = t.cancelledSec >= 0 ? 'cancelled' : t.pendingSec >= 0 ? 'pending_approval' : 'draft';
    return t;
  }
  t.approvedSec = happened(approvedSec);
  t.confirmedSec = happened(confirmedSec);
  if (t.confirmedSec >= 0) t.shippedSec = happened(shippedSec);
  if (t.shippedSec >= 0) t.deliveredSec = happened(deliveredSec);
  if (t.deliveredSec >= 0) {
    t.returnedSec = happened(returnedSec);
    t.paidSec = happened(paidSec);
  }
  t.status =
    t.returnedSec >= 0
      ? 'returned'
      : t.deliveredSec >= 0
        ? 'delivered'
        : t.shippedSec >= 0
          ? 'shipped'
          : t.confirmedSec >= 0
            ? 'confirmed'
            : t.pendingSec >= 0
              ? 'pending_approval'
              : 'draft';
  return t;
}

/** Statuses that count as revenue (docs/metrics.md: not draft, pending_approval or cancelled). */
export function isRevenueStatus(status: OrderStatus): boolean {
  return status !== 'draft' && status !== 'pending_approval' && status !== 'cancelled';
}

/**
 * The default order-rule set. Migration 0100 already seeds most of these (in the params format
 * api/orders/rules.ts validates), so the demo only adds what is missing and never overwrites a
 * rule someone configured; the demo's approval threshold is then read back from the rules in
 * force, so pending_approval orders are exactly the ones a real confirm would have held.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../schema.ts';
import type { OrderRuleKind } from '../schema-orders.ts';

/** [id, kind, params (api/orders/rules.ts format), description]. */
export const DEFAULT_ORDER_RULES: readonly (readonly [string, OrderRuleKind, unknown, string])[] = [
  [
    'credit-limit',
    'credit_limit',
    {},
    'Open unpaid orders plus this one stay within the credit limit',
  ],
  [
    'max-discount',
    'max_discount',
    { caps: { staff: '0.10', manager: '0.25' } },
    'Largest line discount each role may grant',
  ],
  [
    'approval-above-total',
    'approval_above_total',
    { threshold: '20000.00' },
    'Orders above this total wait for a manager',
  ],
  [
    'minimum-order-value',
    'minimum_order_value',
    { amount: '10.00' },
    'Smallest order total accepted',
  ],
  ['blocked-customer', 'blocked_customer', {}, 'Blocked customers cannot order'],
];

/** Decimal string → integer cents (truncating beyond 2 places; thresholds are whole amounts). */
function toCents(value: string): number | null {
  const m = /^(\d+)(?:\.(\d{1,4}))?$/.exec(value.trim());
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0').slice(0, 2));
}

/**
 * Insert the missing default rules; return the approval threshold in cents that the active
 * rules imply (the lowest one), or Infinity when no approval rule is active.
 */
export async function ensureOrderRules(db: Kysely<DB>): Promise<number> {
  await db
    .insertInto('order_rules')
    .values(
      DEFAULT_ORDER_RULES.map(([id, kind, params, description]) => ({
        id,
        kind,
        params: JSON.stringify(params),
        description,
      })),
    )
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  const { rows } = await sql<{ params: Record<string, unknown> }>`
    SELECT params FROM order_rules WHERE kind = 'approval_above_total' AND active`.execute(db);
  let threshold = Infinity;
  for (const { params } of rows) {
    const raw = params.threshold ?? params.amount; // 'amount' was the brief's first spelling
    const c = typeof raw === 'string' || typeof raw === 'number' ? toCents(String(raw)) : null;
    if (c !== null && c < threshold) threshold = c;
  }
  return threshold;
}

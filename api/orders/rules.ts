/**
 * Order rules are rows in `order_rules` (id, kind, params); this file is their meaning.
 * `evaluateRules` is pure: the service gathers the facts, this decides. A blocking rule that
 * fails is listed in `failures` (→ 422 naming every one); an approval rule that fires is listed
 * in `approvals` (→ pending_approval).
 */
import { z } from 'zod';
import { decimalMeta } from '../openapi.ts';
import type { Role } from '../../db/schema.ts';
import type { OrderRuleKind } from '../../db/schema-orders.ts';
import { compareDecimal, formatExact, toExact } from './money.ts';

const decimal = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).trim())
  .refine((v) => /^\d{1,12}(\.\d{1,4})?$/.test(v), 'must be a decimal ≥ 0 with ≤ 4 places')
  .meta(decimalMeta(/^\d{1,12}(\.\d{1,4})?$/));
const fraction = decimal.refine((v) => compareDecimal(v, '1') <= 0, 'must be between 0 and 1');

/** The parameters each kind takes (validated when a rule is written and when it is read). */
export const RULE_PARAMS = {
  credit_limit: z.strictObject({}),
  blocked_customer: z.strictObject({}),
  max_discount: z.strictObject({
    caps: z.partialRecord(z.enum(['manager', 'staff', 'analyst', 'executive']), fraction),
  }),
  approval_above_total: z.strictObject({ threshold: decimal }),
  minimum_order_value: z.strictObject({ amount: decimal }),
} satisfies Record<OrderRuleKind, z.ZodType>;

/**
 * Roles no discount cap applies to. The issue: "only manager/admin may override unitPrice or set
 * a discount above the rule cap" — so a cap for managers would contradict it. A stored rule may
 * still carry caps.manager (written before, or seeded by the demo): it reads as valid and is
 * ignored; writing one is refused (WRITABLE_RULE_PARAMS) so nobody believes it is enforced.
 */
const UNCAPPED_ROLES: readonly Role[] = ['admin', 'manager'];

/** RULE_PARAMS as a rule may be written through the API: no cap for an uncapped role. */
export const WRITABLE_RULE_PARAMS = {
  ...RULE_PARAMS,
  max_discount: RULE_PARAMS.max_discount.refine((p) => p.caps.manager === undefined, {
    message: 'managers and admins may exceed any discount cap; cap staff, analyst or executive',
    path: ['caps', 'manager'],
  }),
} satisfies Record<OrderRuleKind, z.ZodType>;

/** Kinds that route an order to approval instead of refusing it. */
const APPROVAL_KINDS: readonly OrderRuleKind[] = ['approval_above_total'];

/** A rule as evaluated. */
export interface OrderRule {
  id: string;
  kind: OrderRuleKind;
  params: unknown;
}

/** What the rules look at, gathered by the service inside the confirm transaction. */
export interface RuleFacts {
  /** Role of the key that set the prices and discounts (the order's creator). */
  role: Role;
  /** Net total of this order. */
  orderTotal: string;
  lines: readonly { lineNo: number; discount: string }[];
  customer: { blocked: boolean; creditLimit: string | null };
  /** Total of the customer's other open, unpaid orders. */
  openTotal: string;
}

/** One rule that failed or fired. */
export interface RuleResult {
  ruleId: string;
  kind: OrderRuleKind;
  message: string;
}

/** Failures block the order; approvals send it to pending_approval. */
export interface RuleOutcome {
  failures: RuleResult[];
  approvals: RuleResult[];
}

/** Evaluate every rule against the facts; never stops at the first failure. */
export function evaluateRules(rules: readonly OrderRule[], facts: RuleFacts): RuleOutcome {
  const out: RuleOutcome = { failures: [], approvals: [] };
  for (const rule of rules) {
    const message = checkRule(rule, facts);
    if (message === null) continue;
    const result = { ruleId: rule.id, kind: rule.kind, message };
    (APPROVAL_KINDS.includes(rule.kind) ? out.approvals : out.failures).push(result);
  }
  return out;
}

/**
 * The discount cap for `role` under the max_discount rules (the lowest when several), or null
 * when uncapped: managers and admins always, other roles when no rule names them. A rule whose
 * params do not parse caps at 0, so a broken rule never lets a discount through.
 */
export function discountCap(rules: readonly OrderRule[], role: Role): string | null {
  if (UNCAPPED_ROLES.includes(role)) return null;
  let cap: string | null = null;
  for (const rule of rules) {
    if (rule.kind !== 'max_discount') continue;
    const p = RULE_PARAMS.max_discount.safeParse(rule.params);
    const c = p.success ? p.data.caps[role as keyof typeof p.data.caps] : '0';
    if (c === undefined) continue;
    if (cap === null || compareDecimal(c, cap) < 0) cap = c;
  }
  return cap;
}

/** null when the rule passes, else why it did not. */
function checkRule(rule: OrderRule, f: RuleFacts): string | null {
  const parsed = RULE_PARAMS[rule.kind]?.safeParse(rule.params);
  if (!parsed?.success) return `rule ${rule.id} has invalid parameters`;
  const p = parsed.data as Record<string, unknown>;
  switch (rule.kind) {
    case 'blocked_customer':
      return f.customer.blocked ? 'the customer is blocked' : null;
    case 'credit_limit': {
      if (f.customer.creditLimit === null) return null;
      const exposure = toExact(f.openTotal) + toExact(f.orderTotal);
      if (exposure <= toExact(f.customer.creditLimit)) return null;
      return (
        `open orders ${formatExact(toExact(f.openTotal))} + this order ${formatExact(toExact(f.orderTotal))} ` +
        `exceed the credit limit ${formatExact(toExact(f.customer.creditLimit))}`
      );
    }
    case 'max_discount': {
      const cap = discountCap([rule], f.role);
      if (cap === null) return null;
      const over = f.lines.filter((l) => compareDecimal(l.discount, cap) > 0);
      if (over.length === 0) return null;
      return `line${over.length > 1 ? 's' : ''} ${over.map((l) => l.lineNo).join(', ')}: discount above ${cap} for role ${f.role}`;
    }
    case 'approval_above_total': {
      const threshold = p.threshold as string;
      return compareDecimal(f.orderTotal, threshold) > 0
        ? `order total ${f.orderTotal} is above ${formatExact(toExact(threshold))}; a manager must approve`
        : null;
    }
    case 'minimum_order_value': {
      const amount = p.amount as string;
      return compareDecimal(f.orderTotal, amount) < 0
        ? `order total ${f.orderTotal} is below the minimum ${formatExact(toExact(amount))}`
        : null;
    }
  }
}

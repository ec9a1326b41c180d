/** Pure parts of orders, no database: money math, rule evaluation, the state machine. */
import { describe, expect, it } from 'vitest';
import {
  compareDecimal,
  formatExact,
  formatPrice,
  lineNet,
  orderTotals,
  toExact,
} from '../api/orders/money.ts';
import {
  discountCap,
  evaluateRules,
  RULE_PARAMS,
  WRITABLE_RULE_PARAMS,
  type OrderRule,
  type RuleFacts,
} from '../api/orders/rules.ts';
import {
  canTransition,
  nextStatus,
  TRANSITIONS,
  type OrderAction,
} from '../api/orders/state-machine.ts';
import type { OrderStatus } from '../db/schema-orders.ts';

describe('money', () => {
  it('is exact and rounds half away from zero only when formatted', () => {
    expect(formatExact(lineNet(3, '0.3333', '0.5'))).toBe('0.50'); // 0.49995
    expect(formatExact(toExact('-0.005'))).toBe('-0.01');
    expect(formatExact(toExact('0.004'))).toBe('0.00');
    expect(formatExact(toExact('-0.004'))).toBe('0.00');
    expect(formatExact(lineNet(7, '19.9900', '0.1250'))).toBe('122.44'); // 122.43875
    expect(formatExact(lineNet(1_000_000, '9999999999.9999', '0'))).toBe('9999999999999900.00');
    expect(() => toExact('1e5')).toThrow();
    expect(compareDecimal('0.10', '0.1')).toBe(0);
    expect(compareDecimal('2', '10')).toBe(-1);
    expect(formatPrice('19.9900')).toBe('19.99');
    expect(formatPrice('0.1250')).toBe('0.125');
    expect(formatPrice('5.0000')).toBe('5.00');
  });

  it('order totals add up in cents: subtotal − discount − returned = total', () => {
    const t = orderTotals([
      { quantity: 3, unitPrice: '0.3333', discount: '0.5', returnedQuantity: 1 },
      { quantity: 1, unitPrice: '10', discount: '0.0333' },
    ]);
    const cents = (s: string) => toExact(s);
    expect(cents(t.subtotal) - cents(t.discountTotal) - cents(t.returnedTotal)).toBe(
      cents(t.total),
    );
    expect(t).toEqual({
      subtotal: '11.00',
      discountTotal: '0.83',
      returnedTotal: '0.17',
      total: '10.00',
    });
  });
});

describe('order rules', () => {
  const facts: RuleFacts = {
    role: 'staff',
    orderTotal: '500.00',
    lines: [
      { lineNo: 1, discount: '0.05' },
      { lineNo: 2, discount: '0.2' },
    ],
    customer: { blocked: false, creditLimit: '1000.00' },
    openTotal: '400.00',
  };
  const rule = (id: string, kind: OrderRule['kind'], params: unknown = {}): OrderRule => ({
    id,
    kind,
    params,
  });

  it('credit limit: open + this order within the limit; no limit means no check', () => {
    const r = [rule('cl', 'credit_limit')];
    expect(evaluateRules(r, facts).failures).toEqual([]);
    expect(evaluateRules(r, { ...facts, openTotal: '500.01' }).failures[0]).toMatchObject({
      ruleId: 'cl',
    });
    expect(evaluateRules(r, { ...facts, openTotal: '500.00' }).failures).toEqual([]);
    expect(
      evaluateRules(r, {
        ...facts,
        openTotal: '99999',
        customer: { blocked: false, creditLimit: null },
      }).failures,
    ).toEqual([]);
  });

  it('max discount per role names the lines over the cap', () => {
    const r = [rule('md', 'max_discount', { caps: { staff: '0.10', manager: '0.25' } })];
    expect(evaluateRules(r, facts).failures[0]!.message).toMatch(
      /line 2: discount above 0.10 for role staff/,
    );
    expect(evaluateRules(r, { ...facts, role: 'manager' }).failures).toEqual([]);
    expect(
      evaluateRules(r, { ...facts, role: 'admin', lines: [{ lineNo: 1, discount: '1' }] }).failures,
    ).toEqual([]);
    expect(discountCap(r, 'staff')).toBe('0.10');
    expect(discountCap(r, 'admin')).toBeNull();
    expect(discountCap(r, 'analyst')).toBeNull();
  });

  it('never caps managers or admins: a stored manager cap is ignored, a new one refused', () => {
    const r = [rule('md', 'max_discount', { caps: { staff: '0.10', manager: '0.05' } })];
    expect(discountCap(r, 'manager')).toBeNull();
    const all = [{ lineNo: 1, discount: '0.9' }];
    expect(evaluateRules(r, { ...facts, role: 'manager', lines: all }).failures).toEqual([]);
    expect(evaluateRules(r, { ...facts, role: 'staff', lines: all }).failures).toHaveLength(1);
    // Read side stays tolerant (rules stored before, the demo's seed); the write side refuses.
    expect(RULE_PARAMS.max_discount.safeParse(r[0]!.params).success).toBe(true);
    const written = WRITABLE_RULE_PARAMS.max_discount.safeParse(r[0]!.params);
    expect(written.success).toBe(false);
    expect(written.error!.issues.map((i) => i.path.join('.'))).toEqual(['caps.manager']);
    expect(WRITABLE_RULE_PARAMS.max_discount.safeParse({ caps: { staff: '0.1' } }).success).toBe(
      true,
    );
  });

  it('approval above a total fires (not fails) strictly above the threshold', () => {
    const r = [rule('ap', 'approval_above_total', { threshold: '500' })];
    expect(evaluateRules(r, facts)).toEqual({ failures: [], approvals: [] });
    const out = evaluateRules(r, { ...facts, orderTotal: '500.01' });
    expect(out.failures).toEqual([]);
    expect(out.approvals[0]).toMatchObject({ ruleId: 'ap', kind: 'approval_above_total' });
  });

  it('minimum order value and blocked customer', () => {
    expect(
      evaluateRules([rule('min', 'minimum_order_value', { amount: '500' })], facts).failures,
    ).toEqual([]);
    expect(
      evaluateRules([rule('min', 'minimum_order_value', { amount: '500.01' })], facts).failures,
    ).toHaveLength(1);
    const blocked = { ...facts, customer: { blocked: true, creditLimit: null } };
    expect(evaluateRules([rule('b', 'blocked_customer')], blocked).failures[0]!.message).toMatch(
      /blocked/,
    );
    expect(evaluateRules([rule('b', 'blocked_customer')], facts).failures).toEqual([]);
  });

  it('lists every failing rule, and treats bad parameters as a failure', () => {
    const out = evaluateRules(
      [
        rule('b', 'blocked_customer'),
        rule('min', 'minimum_order_value', { amount: '1000' }),
        rule('md', 'max_discount', { caps: { staff: '0' } }),
        rule('broken', 'approval_above_total', { threshold: 'many' }),
        rule('ap', 'approval_above_total', { threshold: '1' }),
      ],
      { ...facts, customer: { blocked: true, creditLimit: null } },
    );
    expect(out.failures.map((f) => f.ruleId)).toEqual(['b', 'min', 'md']);
    expect(out.approvals.map((f) => f.ruleId)).toEqual(['broken', 'ap']);
  });
});

describe('state machine', () => {
  const STATES: OrderStatus[] = [
    'draft',
    'pending_approval',
    'confirmed',
    'shipped',
    'delivered',
    'cancelled',
    'returned',
  ];
  const expected: Record<OrderAction, OrderStatus[]> = {
    confirm: ['draft'],
    approve: ['pending_approval'],
    ship: ['confirmed'],
    deliver: ['shipped', 'returned'],
    cancel: ['draft', 'pending_approval', 'confirmed'],
    return: ['shipped', 'delivered', 'returned'],
  };
  it('allows exactly the documented transitions', () => {
    for (const action of Object.keys(TRANSITIONS) as OrderAction[]) {
      for (const s of STATES)
        expect(canTransition(s, action), `${action} from ${s}`).toBe(expected[action].includes(s));
    }
  });
  it('names both states when refusing, and confirm lands in pending_approval when asked', () => {
    const r = nextStatus('delivered', 'cancel');
    expect(r).toMatchObject({ ok: false, to: 'cancelled' });
    expect(!r.ok && r.message).toMatch(/delivered → cancelled/);
    expect(nextStatus('draft', 'confirm', true)).toEqual({ ok: true, to: 'pending_approval' });
    expect(nextStatus('draft', 'confirm')).toEqual({ ok: true, to: 'confirmed' });
  });
  it('delivers a partly returned order only when it was never delivered and units are left', () => {
    expect(nextStatus('returned', 'deliver', false, { delivered: false, unitsLeft: 3 })).toEqual({
      ok: true,
      to: 'delivered',
    });
    const again = nextStatus('returned', 'deliver', false, { delivered: true, unitsLeft: 3 });
    expect(again).toMatchObject({ ok: false, to: 'delivered' });
    expect(!again.ok && again.message).toMatch(/returned → delivered.*delivered before/);
    const empty = nextStatus('returned', 'deliver', false, { delivered: false, unitsLeft: 0 });
    expect(!empty.ok && empty.message).toMatch(/every unit came back/);
    expect(nextStatus('shipped', 'deliver', false, { unitsLeft: 0 }).ok).toBe(true);
  });
});

/**
 * The order rules checked on confirm, over HTTP on both databases: credit limit, blocked
 * customer (every failing rule listed at once, nothing written), minimum order value, the
 * discount cap (managers and admins may exceed it), approval above a total, and each rule
 * kind's parameters validated.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import {
  makeCustomer,
  orderCalls,
  seedOrderStock,
  setRule,
  writeCounts,
} from './orders-fixtures.ts';

describeBoth('orders: rules on confirm', (kind) => {
  let env: TestEnv;
  let warehouseId: number;
  let productId: number; // 10.00
  let bigProductId: number; // 30000.00, above the approval threshold
  let customerId: number;

  const world = () => ({ env, warehouseId, productId, bigProductId, customerId });
  const { create, act } = orderCalls(world);

  beforeAll(async () => {
    env = await startTestEnv(kind);
    ({ warehouseId, productId, bigProductId, customerId } = await seedOrderStock(env));
  });
  afterAll(async () => {
    await env?.close();
  });

  it('credit limit: open unpaid orders plus this one must fit', async () => {
    const c = await makeCustomer(env, { creditLimit: '100.00' });
    const a = await create({ customerId: c, lines: [{ productId, quantity: 6 }] });
    expect((await act(a.body.id, 'confirm')).status).toBe(200); // 60 ≤ 100
    const b = await create({ customerId: c, lines: [{ productId, quantity: 5 }] });
    const refused = await act(b.body.id, 'confirm'); // 60 + 50 > 100
    expect(refused.status).toBe(422);
    expect(refused.body.failedRules).toEqual([
      expect.objectContaining({ ruleId: 'credit-limit', kind: 'credit_limit' }),
    ]);
    const ok = await create({ customerId: c, lines: [{ productId, quantity: 4 }] });
    expect((await act(ok.body.id, 'confirm')).status).toBe(200); // 60 + 40 = 100
  });

  it('blocked customers cannot confirm; every failing rule is listed at once', async () => {
    const c = await makeCustomer(env, { blocked: true, creditLimit: '5.00' });
    const o = await create({ customerId: c, lines: [{ productId, quantity: 1 }] });
    const before = await writeCounts(env);
    const r = await act(o.body.id, 'confirm');
    expect(r.status).toBe(422);
    expect(r.body.failedRules.map((f: any) => f.ruleId).sort()).toEqual([
      'blocked-customer',
      'credit-limit',
    ]);
    expect(await writeCounts(env)).toEqual(before);
    expect((await env.request('GET', `/api/v1/orders/${o.body.id}`)).body.status).toBe('draft');
  });

  it('minimum order value, and max discount re-checked on confirm', async () => {
    const created = await env.request('POST', '/api/v1/order-rules', {
      body: { id: 'min-value', kind: 'minimum_order_value', params: { amount: '25.00' } },
    });
    expect(created.status, created.text).toBe(201);
    try {
      const small = await create({
        customerId,
        lines: [{ productId, quantity: 2, discount: '0.1' }],
      });
      await setRule(env, 'max-discount', { params: { caps: { staff: '0.05' } } });
      const r = await act(small.body.id, 'confirm');
      expect(r.status).toBe(422);
      expect(r.body.failedRules.map((f: any) => f.ruleId).sort()).toEqual([
        'max-discount',
        'min-value',
      ]);
      const big = await create({ customerId, lines: [{ productId, quantity: 3 }] });
      expect((await act(big.body.id, 'confirm')).status).toBe(200);
    } finally {
      await setRule(env, 'max-discount', { params: { caps: { staff: '0.10' } } });
      await env.request('DELETE', '/api/v1/order-rules/min-value');
    }
  });

  it('approval above a total routes to pending_approval; an inactive rule does not', async () => {
    const o = await create({ customerId, lines: [{ productId: bigProductId, quantity: 1 }] });
    const r = await act(o.body.id, 'confirm');
    expect(r.body.status).toBe('pending_approval');
    expect(r.body.events.at(-1).payload.approvalRules[0].ruleId).toBe('approval-above-total');
    await setRule(env, 'approval-above-total', { active: false });
    try {
      const o2 = await create({ customerId, lines: [{ productId: bigProductId, quantity: 1 }] });
      expect((await act(o2.body.id, 'confirm')).body.status).toBe('confirmed');
    } finally {
      await setRule(env, 'approval-above-total', { active: true });
    }
  });

  it('managers and admins may exceed the discount cap; a manager cap cannot be written', async () => {
    for (const [method, path, body] of [
      ['PATCH', '/api/v1/order-rules/max-discount', { params: { caps: { manager: '0.2' } } }],
      [
        'POST',
        '/api/v1/order-rules',
        { id: 'cap-mgr', kind: 'max_discount', params: { caps: { manager: '0.2' } } },
      ],
    ] as const) {
      const r = await env.request(method, path, { body });
      expect(r.status, r.text).toBe(400);
      expect(r.body.errors.map((e: any) => e.field)).toEqual(['params.caps.manager']);
    }
    // A manager cap already stored (written before this rule, or by the demo) is ignored.
    await env.ops.db
      .updateTable('order_rules')
      .set({ params: JSON.stringify({ caps: { staff: '0.10', manager: '0.05' } }) })
      .where('id', '=', 'max-discount')
      .execute();
    try {
      const body = { customerId, lines: [{ productId, quantity: 1, discount: '0.3' }] };
      for (const key of ['manager', 'admin']) {
        const o = await create(body, key);
        expect(o.status, o.text).toBe(201);
        expect((await act(o.body.id, 'confirm', undefined, key)).body.status).toBe('confirmed');
      }
      expect((await create(body, 'staff')).status).toBe(422);
    } finally {
      await setRule(env, 'max-discount', { params: { caps: { staff: '0.10' } } });
    }
  });

  it('rule parameters are validated per kind', async () => {
    const bad = await env.request('POST', '/api/v1/order-rules', {
      body: { id: 'bad-one', kind: 'approval_above_total', params: { threshold: 'lots' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('params.threshold');
    const patch = await env.request('PATCH', '/api/v1/order-rules/max-discount', {
      body: { params: { caps: { staff: '2' } } },
    });
    expect(patch.status).toBe(400);
    expect(
      (await env.request('POST', '/api/v1/order-rules', { key: 'manager', body: {} })).status,
    ).toBe(403);
    const list = await env.request('GET', '/api/v1/order-rules', { key: 'staff' });
    expect(list.body.items.map((r: any) => r.id)).toContain('credit-limit');
  });
});

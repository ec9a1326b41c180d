/** Orders over HTTP on both databases: creation, every transition, rules, cancel/return stock. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import {
  expectLedgerMatchesLevels,
  makeCustomer,
  makeProduct,
  makeRepWithKey,
  makeWarehouse,
  receive,
  setRule,
  stockOf,
  writeCounts,
} from './orders-fixtures.ts';

describeBoth('orders', (kind) => {
  let env: TestEnv;
  let warehouseId: number;
  let productId: number; // 10.00
  let bigProductId: number; // 30000.00, above the approval threshold
  let customerId: number;

  const create = (body: unknown, key = 'staff') =>
    env.request('POST', '/api/v1/orders', { body, key });
  const act = (id: number, action: string, body?: unknown, key = 'manager') =>
    env.request('POST', `/api/v1/orders/${id}/${action}`, { key, body });

  /** An order of `qty` × product, moved into `status` through the API. */
  async function orderIn(status: string, qty = 2): Promise<number> {
    const pid = status === 'pending_approval' ? bigProductId : productId;
    const r = await create({ customerId, lines: [{ productId: pid, quantity: qty }] });
    expect(r.status, r.text).toBe(201);
    const id = r.body.id as number;
    const path: Record<string, string[]> = {
      draft: [],
      pending_approval: ['confirm'],
      confirmed: ['confirm'],
      shipped: ['confirm', 'ship'],
      delivered: ['confirm', 'ship', 'deliver'],
      cancelled: ['cancel'],
      returned: ['confirm', 'ship', 'return'],
    };
    for (const a of path[status]!) {
      const body =
        a === 'return' ? { lines: [{ lineId: r.body.lines[0].id, quantity: 1 }] } : undefined;
      const res = await act(id, a, body);
      expect(res.status, res.text).toBe(200);
    }
    const got = await env.request('GET', `/api/v1/orders/${id}`);
    expect(got.body.status).toBe(status);
    return id;
  }

  beforeAll(async () => {
    env = await startTestEnv(kind);
    warehouseId = await makeWarehouse(env);
    productId = await makeProduct(env, { listPrice: '10.00', cost: '4.00' });
    bigProductId = await makeProduct(env, { listPrice: '30000.00' });
    await receive(env, productId, warehouseId, 100_000);
    await receive(env, bigProductId, warehouseId, 1_000);
    customerId = await makeCustomer(env);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('creates a draft with resolved prices, exact totals, an event and an audit row', async () => {
    const r = await create({
      customerId,
      lines: [
        { productId, quantity: 3 },
        { productId, quantity: 1, discount: '0.05' },
      ],
    });
    expect(r.status, r.text).toBe(201);
    expect(r.body).toMatchObject({
      status: 'draft',
      customerId,
      warehouseId,
      subtotal: '40.00',
      discountTotal: '0.50',
      total: '39.50',
    });
    expect(r.body.number).toMatch(/^SO-\d{6}$/);
    expect(r.body.lines.map((l: any) => [l.unitPrice, l.discount, l.lineTotal])).toEqual([
      ['10.00', '0.0000', '30.00'],
      ['10.00', '0.0500', '9.50'],
    ]);
    expect(r.body.events.map((e: any) => e.type)).toEqual(['order.created']);
    const audit = await env.ops.db
      .selectFrom('audit_log')
      .selectAll()
      .where('entity', '=', 'order')
      .where('entity_id', '=', String(r.body.id))
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['create']);
  });

  it('rounds line totals half away from zero from exact values', async () => {
    const p = await makeProduct(env, { listPrice: '0.3333' });
    await receive(env, p, warehouseId, 10);
    const r = await create(
      { customerId, lines: [{ productId: p, quantity: 3, discount: '0.5' }] },
      'manager',
    );
    // 3 × 0.3333 × 0.5 = 0.49995 → 0.50
    expect(r.body.lines[0].lineTotal).toBe('0.50');
    expect(r.body).toMatchObject({ subtotal: '1.00', total: '0.50', discountTotal: '0.50' });
  });

  it('lets only managers and admins override unitPrice', async () => {
    const line = { productId, quantity: 1, unitPrice: '7.25' };
    const before = await writeCounts(env);
    const staff = await create({ customerId, lines: [line] }, 'staff');
    expect(staff.status).toBe(403);
    expect(staff.body.errors[0].field).toBe('lines.0.unitPrice');
    expect(await writeCounts(env)).toEqual(before);
    const mgr = await create({ customerId, lines: [line] }, 'manager');
    expect(mgr.status).toBe(201);
    expect(mgr.body.lines[0].unitPrice).toBe('7.25');
  });

  it('refuses a staff discount above the cap (422) but lets a manager grant it', async () => {
    const body = { customerId, lines: [{ productId, quantity: 1, discount: '0.25' }] };
    const staff = await create(body, 'staff');
    expect(staff.status).toBe(422);
    expect(staff.body.failedRules.map((f: any) => f.ruleId)).toEqual(['max-discount']);
    expect((await create(body, 'manager')).status).toBe(201);
    expect(
      (await create({ ...body, lines: [{ productId, quantity: 1, discount: '0.1' }] })).status,
    ).toBe(201);
  });

  describe('transitions', () => {
    const STATES = [
      'draft',
      'pending_approval',
      'confirmed',
      'shipped',
      'delivered',
      'cancelled',
      'returned',
    ];
    const ALLOWED: Record<string, Record<string, string>> = {
      confirm: { draft: 'confirmed' },
      approve: { pending_approval: 'confirmed' },
      ship: { confirmed: 'shipped' },
      // The returned sample was partly returned before delivery (see orderIn).
      deliver: { shipped: 'delivered', returned: 'delivered' },
      cancel: { draft: 'cancelled', pending_approval: 'cancelled', confirmed: 'cancelled' },
      return: { shipped: 'returned', delivered: 'returned', returned: 'returned' },
    };

    it('allows exactly the documented transitions and refuses the rest with 409 naming both states', async () => {
      const sample: Record<string, number> = {};
      for (const s of STATES) sample[s] = await orderIn(s);
      for (const [action, allowed] of Object.entries(ALLOWED)) {
        for (const from of STATES) {
          const to = allowed[from];
          if (to) {
            const id = await orderIn(from);
            const order = (await env.request('GET', `/api/v1/orders/${id}`)).body;
            const body =
              action === 'return'
                ? { lines: [{ lineId: order.lines[0].id, quantity: 1 }] }
                : undefined;
            const r = await act(id, action, body);
            expect(r.status, `${action} from ${from}: ${r.text}`).toBe(200);
            expect(r.body.status).toBe(to);
            expect(r.body.events.at(-1)).toMatchObject({ fromStatus: from, toStatus: to });
          } else {
            const id = sample[from]!;
            const order = (await env.request('GET', `/api/v1/orders/${id}`)).body;
            const body =
              action === 'return'
                ? { lines: [{ lineId: order.lines[0].id, quantity: 1 }] }
                : undefined;
            const r = await act(id, action, body);
            expect(r.status, `${action} from ${from}`).toBe(409);
            expect(r.headers.get('content-type')).toMatch(/problem\+json/);
            expect(r.body.detail).toContain(from);
            expect(r.body.from).toBe(from);
            expect(r.body.detail).toContain(r.body.to);
            expect((await env.request('GET', `/api/v1/orders/${id}`)).body.status).toBe(from);
          }
        }
      }
      await expectLedgerMatchesLevels(env);
    });

    it('only managers approve', async () => {
      const id = await orderIn('pending_approval');
      expect((await act(id, 'approve', undefined, 'staff')).status).toBe(403);
      expect((await act(id, 'approve', undefined, 'manager')).body.status).toBe('confirmed');
    });
  });

  it('confirm reserves, ship deducts, and the ledger follows', async () => {
    const before = await stockOf(env, productId, warehouseId);
    const id = await orderIn('draft', 5);
    await act(id, 'confirm');
    const reserved = await stockOf(env, productId, warehouseId);
    expect(reserved).toMatchObject({ onHand: before.onHand, reserved: before.reserved + 5 });
    await act(id, 'ship');
    const shipped = await stockOf(env, productId, warehouseId);
    expect(shipped).toMatchObject({ onHand: before.onHand - 5, reserved: before.reserved });
    const ledger = await env.request('GET', `/api/v1/stock/movements?orderId=${id}`);
    expect(ledger.body.items.map((m: any) => [m.type, m.onHandDelta, m.reservedDelta])).toEqual([
      ['reservation', 0, 5],
      ['shipment', -5, -5],
    ]);
    await expectLedgerMatchesLevels(env);
  });

  it('cancel releases the reservation (from confirmed and from pending approval)', async () => {
    for (const [status, pid] of [
      ['confirmed', productId],
      ['pending_approval', bigProductId],
    ] as const) {
      const before = await stockOf(env, pid, warehouseId);
      const id = await orderIn(status, 4);
      expect((await stockOf(env, pid, warehouseId)).available).toBe(before.available - 4);
      const r = await act(id, 'cancel', { reason: 'customer changed mind' });
      expect(r.body.status).toBe('cancelled');
      expect(await stockOf(env, pid, warehouseId)).toEqual(before);
    }
    await expectLedgerMatchesLevels(env);
  });

  it('return puts stock back and adjusts the total; over-returning is refused', async () => {
    const r = await create({ customerId, lines: [{ productId, quantity: 4, discount: '0.1' }] });
    const id = r.body.id;
    await act(id, 'confirm');
    await act(id, 'ship');
    const before = await stockOf(env, productId, warehouseId);
    const lineId = r.body.lines[0].id;
    const partial = await act(id, 'return', {
      lines: [{ lineId, quantity: 1 }],
      reason: 'damaged',
    });
    expect(partial.status, partial.text).toBe(200);
    expect(partial.body).toMatchObject({
      status: 'returned',
      total: '27.00',
      returnedTotal: '9.00',
      subtotal: '40.00',
    });
    expect(partial.body.lines[0].returnedQuantity).toBe(1);
    expect((await stockOf(env, productId, warehouseId)).onHand).toBe(before.onHand + 1);
    const tooMany = await act(id, 'return', { lines: [{ lineId, quantity: 4 }] });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.errors[0].field).toBe('lines.0.quantity');
    const unknownLine = await act(id, 'return', { lines: [{ lineId: 999_999, quantity: 1 }] });
    expect(unknownLine.status).toBe(422);
    const rest = await act(id, 'return', { lines: [{ lineId, quantity: 3 }] });
    expect(rest.body).toMatchObject({ total: '0.00', returnedTotal: '36.00' });
    expect((await stockOf(env, productId, warehouseId)).onHand).toBe(before.onHand + 4);
    await expectLedgerMatchesLevels(env);
  });

  it('delivers a shipped order partly returned in transit, but not one delivered or all back', async () => {
    const r = await create({ customerId, lines: [{ productId, quantity: 3 }] });
    const id = r.body.id;
    const lineId = r.body.lines[0].id;
    await act(id, 'confirm');
    await act(id, 'ship');
    expect((await act(id, 'return', { lines: [{ lineId, quantity: 1 }] })).body.status).toBe(
      'returned',
    );
    const delivered = await act(id, 'deliver');
    expect(delivered.status, delivered.text).toBe(200);
    expect(delivered.body).toMatchObject({ status: 'delivered', total: '20.00' });
    expect(delivered.body.deliveredAt).toBeTruthy();
    expect(delivered.body.events.at(-1)).toMatchObject({
      fromStatus: 'returned',
      toStatus: 'delivered',
    });
    // Delivered, then returned again: delivering once more is refused.
    await act(id, 'return', { lines: [{ lineId, quantity: 1 }] });
    const twice = await act(id, 'deliver');
    expect(twice.status).toBe(409);
    expect(twice.body.detail).toMatch(/delivered before/);
    // Everything back before delivery: nothing left to deliver.
    const all = await create({ customerId, lines: [{ productId, quantity: 2 }] });
    await act(all.body.id, 'confirm');
    await act(all.body.id, 'ship');
    await act(all.body.id, 'return', { lines: [{ lineId: all.body.lines[0].id, quantity: 2 }] });
    const nothing = await act(all.body.id, 'deliver');
    expect(nothing.status).toBe(409);
    expect(nothing.body.detail).toMatch(/every unit came back/);
    await expectLedgerMatchesLevels(env);
  });

  describe('rules on confirm', () => {
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

  it('refuses to reserve more than is available (409) and writes nothing', async () => {
    const p = await makeProduct(env);
    await receive(env, p, warehouseId, 3);
    const o = await create({ customerId, lines: [{ productId: p, quantity: 4 }] });
    const before = await writeCounts(env);
    const r = await act(o.body.id, 'confirm');
    expect(r.status).toBe(409);
    expect(r.body.shortages).toEqual([{ productId: p, warehouseId, requested: 4, available: 3 }]);
    expect(await writeCounts(env)).toEqual(before);
  });

  it('scopes staff to their team: other teams’ orders are 404, lists leave them out', async () => {
    const mine = await makeRepWithKey(env, 'staff');
    const other = await makeRepWithKey(env, 'staff');
    const theirCustomer = await makeCustomer(env, { ownerRepId: other.repId });
    const o = await create(
      { customerId: theirCustomer, lines: [{ productId, quantity: 1 }] },
      other.key,
    );
    expect(o.status).toBe(201);
    expect(
      (await env.request('GET', `/api/v1/orders/${o.body.id}`, { key: mine.key })).status,
    ).toBe(404);
    expect((await act(o.body.id, 'confirm', undefined, mine.key)).status).toBe(404);
    const cross = await create(
      { customerId: theirCustomer, lines: [{ productId, quantity: 1 }] },
      mine.key,
    );
    expect(cross.status).toBe(422);
    const list = await env.request('GET', `/api/v1/orders?customerId=${theirCustomer}`, {
      key: mine.key,
    });
    expect(list.body.items).toEqual([]);
    const theirs = await env.request('GET', `/api/v1/orders?customerId=${theirCustomer}`, {
      key: other.key,
    });
    expect(theirs.body.items.map((x: any) => x.id)).toEqual([o.body.id]);
  });

  it('lists with filters and cursor pagination', async () => {
    const c = await makeCustomer(env);
    const ids: number[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await create({ customerId: c, lines: [{ productId, quantity: 1 }] })).body.id);
    await act(ids[0]!, 'cancel');
    const page1 = await env.request('GET', `/api/v1/orders?customerId=${c}&limit=2`);
    expect(page1.body.items.map((o: any) => o.id)).toEqual(ids.slice(0, 2));
    const page2 = await env.request(
      'GET',
      `/api/v1/orders?customerId=${c}&limit=2&cursor=${page1.body.nextCursor}`,
    );
    expect(page2.body).toMatchObject({ items: [{ id: ids[2] }], nextCursor: null });
    const drafts = await env.request('GET', `/api/v1/orders?customerId=${c}&status=draft`);
    expect(drafts.body.items.map((o: any) => o.id)).toEqual(ids.slice(1));
    const future = await env.request('GET', `/api/v1/orders?customerId=${c}&from=2999-01-01`);
    expect(future.body.items).toEqual([]);
    expect((await env.request('GET', '/api/v1/orders?status=lost')).status).toBe(400);
  });

  it('bad input of every kind is a 4xx problem and writes nothing', async () => {
    const before = await writeCounts(env);
    const cases: [unknown, number, string?][] = [
      [{ customerId: 'one', lines: [{ productId, quantity: 1 }] }, 400, 'customerId'],
      [{ customerId, lines: [{ productId, quantity: -2 }] }, 400, 'lines.0.quantity'],
      [{ customerId, lines: [{ productId, quantity: 1.5 }] }, 400, 'lines.0.quantity'],
      [{ customerId, lines: [] }, 400, 'lines'],
      [
        { customerId, lines: [{ productId, quantity: 1, discount: '1.5' }] },
        400,
        'lines.0.discount',
      ],
      [
        { customerId, lines: [{ productId, quantity: 1, unitPrice: '-1' }] },
        400,
        'lines.0.unitPrice',
      ],
      [{ customerId, lines: [{ productId, quantity: 1 }], extra: true }, 400],
      [{ customerId: 99_999_999, lines: [{ productId, quantity: 1 }] }, 422, 'customerId'],
      [{ customerId, lines: [{ productId: 99_999_999, quantity: 1 }] }, 422, 'lines.0.productId'],
      [
        { customerId, warehouseId: 99_999_999, lines: [{ productId, quantity: 1 }] },
        422,
        'warehouseId',
      ],
      [{ customerId, repId: 99_999_999, lines: [{ productId, quantity: 1 }] }, 422, 'repId'],
      [[1, 2, 3], 400],
      ['text', 400],
    ];
    for (const [body, status, field] of cases) {
      const r = await create(body, 'manager');
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
      if (field) expect(r.body.errors.map((e: any) => e.field)).toContain(field);
    }
    const malformed = await env.request('POST', '/api/v1/orders', { rawBody: '{"customerId": 1,' });
    expect(malformed.status).toBe(400);
    const huge = await create({
      customerId,
      lines: Array.from({ length: 60_000 }, () => ({ productId, quantity: 1 })),
    });
    expect(huge.status).toBe(413);
    const tooManyLines = await create({
      customerId,
      lines: Array.from({ length: 501 }, () => ({ productId, quantity: 1 })),
    });
    expect(tooManyLines.status).toBe(400);
    const notJson = await env.request('POST', '/api/v1/orders', {
      rawBody: 'customerId=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(notJson.status).toBe(415);
    expect((await env.request('GET', '/api/v1/orders/abc')).status).toBe(400);
    expect((await env.request('GET', '/api/v1/orders/99999999')).status).toBe(404);
    expect((await act(99_999_999, 'confirm')).status).toBe(404);
    expect((await act(1, 'return', { lines: [{ lineId: 'x', quantity: 1 }] })).status).toBe(400);
    expect((await env.request('POST', '/api/v1/orders', { key: 'analyst', body: {} })).status).toBe(
      403,
    );
    expect(await writeCounts(env)).toEqual(before);
  });
});

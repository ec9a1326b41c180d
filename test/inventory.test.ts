/**
 * Inventory over HTTP on both databases: movements, ledger = levels (append-only), reorder alerts,
 * stock levels including the zero level of a named pair.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import {
  expectLedgerMatchesLevels,
  makeCustomer,
  makeProduct,
  makeWarehouse,
  receive,
  stockOf,
  writeCounts,
} from './orders-fixtures.ts';

describeBoth('inventory', (kind) => {
  let env: TestEnv;
  let a: number;
  let b: number;
  beforeAll(async () => {
    env = await startTestEnv(kind);
    a = await makeWarehouse(env);
    b = await makeWarehouse(env);
  });
  afterAll(async () => {
    await env?.close();
  });
  const move = (body: unknown, key = 'staff') =>
    env.request('POST', '/api/v1/stock/movements', { key, body });

  it('receipts, adjustments and transfers keep the ledger equal to the levels', async () => {
    const p = await makeProduct(env);
    expect(await stockOf(env, p, a)).toMatchObject({ onHand: 0, available: 0 });
    await receive(env, p, a, 40);
    const adj = await move({
      type: 'adjustment',
      productId: p,
      warehouseId: a,
      quantity: -3,
      reason: 'broken',
    });
    expect(adj.status, adj.text).toBe(201);
    expect(adj.body.levels).toEqual([
      { productId: p, warehouseId: a, onHand: 37, reserved: 0, available: 37 },
    ]);
    const t = await move({
      type: 'transfer',
      productId: p,
      fromWarehouseId: a,
      toWarehouseId: b,
      quantity: 7,
    });
    expect(t.status, t.text).toBe(201);
    expect(t.body.movements.map((m: any) => [m.type, m.warehouseId, m.onHandDelta])).toEqual([
      ['transfer_out', a, -7],
      ['transfer_in', b, 7],
    ]);
    expect(await stockOf(env, p, a)).toMatchObject({ onHand: 30, reserved: 0, available: 30 });
    expect(await stockOf(env, p, b)).toMatchObject({ onHand: 7, available: 7 });
    const ledger = await env.request('GET', `/api/v1/stock/movements?productId=${p}`);
    expect(ledger.body.items.map((m: any) => m.type)).toEqual([
      'receipt',
      'adjustment',
      'transfer_out',
      'transfer_in',
    ]);
    const audit = await env.ops.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity', '=', 'stock_movement')
      .execute();
    expect(audit.length).toBeGreaterThanOrEqual(4);
    await expectLedgerMatchesLevels(env);
  });

  it('never takes stock below what is reserved or below zero', async () => {
    const p = await makeProduct(env);
    await receive(env, p, a, 5);
    const customerId = await makeCustomer(env);
    const order = await env.request('POST', '/api/v1/orders', {
      key: 'staff',
      body: { customerId, warehouseId: a, lines: [{ productId: p, quantity: 4 }] },
    });
    await env.request('POST', `/api/v1/orders/${order.body.id}/confirm`, { key: 'staff' });
    const before = await writeCounts(env);
    const over = await move({
      type: 'adjustment',
      productId: p,
      warehouseId: a,
      quantity: -2,
      reason: 'count',
    });
    expect(over.status).toBe(409);
    expect(over.body.shortages).toEqual([
      { productId: p, warehouseId: a, requested: 2, available: 1 },
    ]);
    const transfer = await move({
      type: 'transfer',
      productId: p,
      fromWarehouseId: a,
      toWarehouseId: b,
      quantity: 2,
    });
    expect(transfer.status).toBe(409);
    const empty = await move({
      type: 'adjustment',
      productId: p,
      warehouseId: b,
      quantity: -1,
      reason: 'x',
    });
    expect(empty.status).toBe(409);
    expect(await writeCounts(env)).toEqual(before);
    expect(await stockOf(env, p, a)).toMatchObject({ onHand: 5, reserved: 4, available: 1 });
  });

  it('alerts once when available stock crosses the reorder point, in the same transaction', async () => {
    const p = await makeProduct(env);
    await receive(env, p, a, 20);
    const rule = await env.request('POST', '/api/v1/reorder-rules', {
      key: 'manager',
      body: { productId: p, warehouseId: a, reorderPoint: 10, reorderQuantity: 50 },
    });
    expect(rule.status, rule.text).toBe(201);
    const dup = await env.request('POST', '/api/v1/reorder-rules', {
      body: { productId: p, warehouseId: a, reorderPoint: 1, reorderQuantity: 1 },
    });
    expect(dup.status).toBe(409);
    const m1 = await move({
      type: 'adjustment',
      productId: p,
      warehouseId: a,
      quantity: -9,
      reason: 'x',
    });
    expect(m1.body.alertIds).toEqual([]); // 11 left: still above
    const m2 = await move({
      type: 'adjustment',
      productId: p,
      warehouseId: a,
      quantity: -1,
      reason: 'x',
    });
    expect(m2.body.alertIds).toHaveLength(1); // 10: at the point
    const m3 = await move({
      type: 'adjustment',
      productId: p,
      warehouseId: a,
      quantity: -1,
      reason: 'x',
    });
    expect(m3.body.alertIds).toEqual([]); // already below: no repeat
    const alerts = await env.request('GET', `/api/v1/alerts?productId=${p}&open=true`);
    expect(alerts.body.items).toHaveLength(1);
    expect(alerts.body.items[0]).toMatchObject({
      kind: 'stock.low',
      warehouseId: a,
      payload: { available: 10, reorderPoint: 10, reorderQuantity: 50 },
    });
    const events = await env.ops.db
      .selectFrom('order_events')
      .select(['payload'])
      .where('event_type', '=', 'stock.low')
      .execute();
    expect(events.some((e) => (e.payload as any).alertId === alerts.body.items[0].id)).toBe(true);
    // Back above, then a reservation crosses again: a new alert tied to the order.
    await receive(env, p, a, 10); // 19
    const customerId = await makeCustomer(env);
    const order = await env.request('POST', '/api/v1/orders', {
      key: 'staff',
      body: { customerId, warehouseId: a, lines: [{ productId: p, quantity: 15 }] },
    });
    await env.request('POST', `/api/v1/orders/${order.body.id}/confirm`, { key: 'staff' });
    const orderEvents = (await env.request('GET', `/api/v1/orders/${order.body.id}`)).body.events;
    expect(orderEvents.map((e: any) => e.type)).toContain('stock.low');
    const id = alerts.body.items[0].id;
    const ack = await env.request('POST', `/api/v1/alerts/${id}/acknowledge`, { key: 'staff' });
    expect(ack.status).toBe(200);
    expect(ack.body.acknowledgedAt).not.toBeNull();
    expect((await env.request('POST', `/api/v1/alerts/${id}/acknowledge`)).status).toBe(409);
    expect(
      (await env.request('GET', `/api/v1/alerts?productId=${p}&open=true`)).body.items,
    ).toHaveLength(1);
    expect((await env.request('POST', '/api/v1/alerts/99999999/acknowledge')).status).toBe(404);
    await expectLedgerMatchesLevels(env);
  });

  it('bad movements are 4xx problems and write nothing', async () => {
    const p = await makeProduct(env);
    const before = await writeCounts(env);
    const cases: [unknown, number, string?][] = [
      [{ type: 'adjustment', productId: p, warehouseId: a, quantity: 5 }, 400, 'reason'],
      [{ type: 'adjustment', productId: p, warehouseId: a, quantity: 0, reason: 'x' }, 400],
      [{ type: 'receipt', productId: p, warehouseId: a, quantity: -5 }, 400, 'quantity'],
      [{ type: 'receipt', productId: p, warehouseId: a, quantity: '5' }, 400],
      [{ type: 'reservation', productId: p, warehouseId: a, quantity: 5 }, 400],
      [{ type: 'transfer', productId: p, fromWarehouseId: a, toWarehouseId: a, quantity: 1 }, 400],
      [{ type: 'receipt', productId: 99999999, warehouseId: a, quantity: 1 }, 422, 'productId'],
      [{ type: 'receipt', productId: p, warehouseId: 99999999, quantity: 1 }, 422, 'warehouseId'],
    ];
    for (const [body, status, field] of cases) {
      const r = await move(body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(r.headers.get('content-type')).toMatch(/problem\+json/);
      if (field) expect(r.body.errors.map((e: any) => e.field)).toContain(field);
    }
    expect(
      (await move({ type: 'receipt', productId: p, warehouseId: a, quantity: 1 }, 'analyst'))
        .status,
    ).toBe(403);
    expect((await env.request('GET', '/api/v1/stock?productId=x')).status).toBe(400);
    expect(await writeCounts(env)).toEqual(before);
  });

  it('answers a zero level for a named pair with no stock, and 404 naming an unknown id', async () => {
    const p = await makeProduct(env);
    const pair = await env.request('GET', `/api/v1/stock?productId=${p}&warehouseId=${a}`, {
      key: 'staff',
    });
    expect(pair.status, pair.text).toBe(200);
    expect(pair.body).toEqual({
      items: [{ productId: p, warehouseId: a, onHand: 0, reserved: 0, available: 0 }],
      nextCursor: null,
    });
    // Only one side named: still a plain listing, empty until stock moves.
    expect((await env.request('GET', `/api/v1/stock?productId=${p}`)).body.items).toEqual([]);
    await receive(env, p, b, 3);
    expect((await env.request('GET', `/api/v1/stock?productId=${p}`)).body.items).toEqual([
      { productId: p, warehouseId: b, onHand: 3, reserved: 0, available: 3 },
    ]);
    const cases: [string, string][] = [
      [`productId=99999999&warehouseId=${a}`, 'productId'],
      [`productId=${p}&warehouseId=99999999`, 'warehouseId'],
      ['productId=99999999', 'productId'],
      ['warehouseId=99999999', 'warehouseId'],
    ];
    for (const [qs, field] of cases) {
      const r = await env.request('GET', `/api/v1/stock?${qs}`);
      expect(r.status, qs).toBe(404);
      expect(r.headers.get('content-type')).toMatch(/problem\+json/);
      expect(r.body.errors).toEqual([
        { field, in: 'query', message: expect.stringMatching(/^unknown /) },
      ]);
    }
  });

  it('keeps the ledger append-only in the database: no UPDATE, DELETE or TRUNCATE', async () => {
    const p = await makeProduct(env);
    const { movements } = await receive(env, p, a, 4);
    const id = movements[0].id as number;
    const before = await writeCounts(env);
    const attempts = [
      sql`UPDATE stock_movements SET on_hand_delta = 400 WHERE id = ${id}`,
      sql`UPDATE stock_movements SET reason = 'tidy up'`,
      sql`DELETE FROM stock_movements WHERE id = ${id}`,
      sql`TRUNCATE stock_movements`,
    ];
    for (const attempt of attempts)
      await expect(attempt.execute(env.ops.db)).rejects.toThrow(/append-only/);
    expect(await writeCounts(env)).toEqual(before);
    const row = await env.ops.db
      .selectFrom('stock_movements')
      .select(['on_hand_delta', 'reason'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ on_hand_delta: 4, reason: null });
    // Corrections are new rows, and they still go through.
    const fix = await move({
      type: 'adjustment',
      productId: p,
      warehouseId: a,
      quantity: -1,
      reason: 'miscount',
    });
    expect(fix.status, fix.text).toBe(201);
    await expectLedgerMatchesLevels(env);
  });

  it('lists stock with a cursor and warehouses', async () => {
    const p = await makeProduct(env);
    await receive(env, p, a, 1);
    await receive(env, p, b, 2);
    const first = await env.request('GET', `/api/v1/stock?productId=${p}&limit=1`, {
      key: 'executive',
    });
    expect(first.body.items).toHaveLength(1);
    const second = await env.request(
      'GET',
      `/api/v1/stock?productId=${p}&limit=1&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.items[0]).toMatchObject({ warehouseId: b, onHand: 2 });
    expect(second.body.nextCursor).toBeNull();
    const ws = await env.request('GET', '/api/v1/warehouses', { key: 'staff' });
    expect(ws.body.items.map((w: any) => w.id)).toEqual(expect.arrayContaining([a, b]));
  });
});

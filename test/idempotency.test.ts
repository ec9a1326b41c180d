/** Idempotency-Key on POST: replay, conflict, concurrency, scoping per API key. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { canonicalJson } from '../api/idempotency/middleware.ts';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import {
  makeCustomer,
  makeProduct,
  makeWarehouse,
  receive,
  uid,
  writeCounts,
} from './orders-fixtures.ts';

it('canonical JSON ignores key order but not values', () => {
  expect(canonicalJson({ b: 1, a: [{ y: 2, x: 1 }] })).toBe(
    canonicalJson({ a: [{ x: 1, y: 2 }], b: 1 }),
  );
  expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }));
});

describeBoth('idempotency', (kind) => {
  let env: TestEnv;
  let customerId: number;
  let productId: number;
  beforeAll(async () => {
    env = await startTestEnv(kind);
    const w = await makeWarehouse(env);
    productId = await makeProduct(env);
    await receive(env, productId, w, 1000);
    customerId = await makeCustomer(env);
  });
  afterAll(async () => {
    await env?.close();
  });

  const post = (path: string, key: string, body?: unknown, apiKey = 'staff') =>
    env.request('POST', path, { key: apiKey, body, headers: { 'Idempotency-Key': key } });

  it('replays the same status and body for the same key and body, creating one order', async () => {
    const key = `k-${uid()}`;
    const body = { customerId, lines: [{ productId, quantity: 2 }] };
    const first = await post('/api/v1/orders', key, body);
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotency-replayed')).toBeNull();
    const before = await writeCounts(env);
    const again = await post('/api/v1/orders', key, {
      lines: [{ quantity: 2, productId }],
      customerId,
    });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotency-replayed')).toBe('true');
    expect(again.text).toBe(first.text);
    expect(again.headers.get('content-type')).toMatch(/application\/json/);
    expect(await writeCounts(env)).toEqual(before);
  });

  it('replays actions and errors too', async () => {
    const order = await post('/api/v1/orders', `k-${uid()}`, {
      customerId,
      lines: [{ productId, quantity: 1 }],
    });
    const key = `k-${uid()}`;
    const confirm = await post(`/api/v1/orders/${order.body.id}/confirm`, key);
    expect(confirm.body.status).toBe('confirmed');
    const replay = await post(`/api/v1/orders/${order.body.id}/confirm`, key);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(confirm.body);
    // Without a key the second confirm is a real one and is refused.
    expect(
      (await env.request('POST', `/api/v1/orders/${order.body.id}/confirm`, { key: 'staff' }))
        .status,
    ).toBe(409);
    const badKey = `k-${uid()}`;
    const bad = await post('/api/v1/orders', badKey, { customerId, lines: [] });
    expect(bad.status).toBe(400);
    const badAgain = await post('/api/v1/orders', badKey, { customerId, lines: [] });
    expect(badAgain.status).toBe(400);
    expect(badAgain.headers.get('idempotency-replayed')).toBe('true');
    expect(badAgain.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('the same key with another body (or path) is 422 and writes nothing', async () => {
    const key = `k-${uid()}`;
    await post('/api/v1/orders', key, { customerId, lines: [{ productId, quantity: 1 }] });
    const before = await writeCounts(env);
    const other = await post('/api/v1/orders', key, {
      customerId,
      lines: [{ productId, quantity: 9 }],
    });
    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toMatch(/problem\+json/);
    const otherPath = await post('/api/v1/warehouses', key, { code: 'X', name: 'X' }, 'staff');
    expect(otherPath.status).toBe(422);
    expect(await writeCounts(env)).toEqual(before);
  });

  it('keys are scoped per API key', async () => {
    const key = `k-${uid()}`;
    const body = { customerId, lines: [{ productId, quantity: 1 }] };
    const a = await post('/api/v1/orders', key, body, 'staff');
    const b = await post('/api/v1/orders', key, body, 'manager');
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.headers.get('idempotency-replayed')).toBeNull();
    expect(b.body.id).not.toBe(a.body.id);
  });

  it('concurrent requests with one key create one order and all get its answer', async () => {
    const key = `k-${uid()}`;
    const body = { customerId, lines: [{ productId, quantity: 3 }] };
    const before = await writeCounts(env);
    const results = await Promise.all(
      Array.from({ length: 12 }, () => post('/api/v1/orders', key, body)),
    );
    expect(new Set(results.map((r) => r.status))).toEqual(new Set([201]));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(results.filter((r) => r.headers.get('idempotency-replayed') === 'true')).toHaveLength(
      11,
    );
    const after = await writeCounts(env);
    expect(after.orders - before.orders).toBe(1);
  });

  it('concurrent confirms with one key reserve once', async () => {
    const order = await post('/api/v1/orders', `k-${uid()}`, {
      customerId,
      lines: [{ productId, quantity: 5 }],
    });
    const key = `k-${uid()}`;
    const results = await Promise.all(
      Array.from({ length: 8 }, () => post(`/api/v1/orders/${order.body.id}/confirm`, key)),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
    const moves = await env.request('GET', `/api/v1/stock/movements?orderId=${order.body.id}`);
    expect(moves.body.items).toHaveLength(1);
  });

  it('rejects a malformed key', async () => {
    const r = await post('/api/v1/orders', 'x'.repeat(300), {
      customerId,
      lines: [{ productId, quantity: 1 }],
    });
    expect(r.status).toBe(400);
    expect(r.body.errors[0].field).toBe('Idempotency-Key');
  });
});

/**
 * No oversell: 200 concurrent confirms compete for the last 50 units. Exactly 50 win, the rest
 * get 409, available stock is never negative (watched while the race runs) and the ledger still
 * equals the levels. Runs on PostgreSQL (row locks under real concurrency) and on PGlite.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import {
  expectLedgerMatchesLevels,
  makeCustomer,
  makeProduct,
  makeWarehouse,
  receive,
  stockOf,
} from './orders-fixtures.ts';

const COMPETITORS = 200;
const UNITS = 50;

describeBoth('orders: no oversell', (kind) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv(kind);
  });
  afterAll(async () => {
    await env?.close();
  });

  it(`${COMPETITORS} concurrent confirms for the last ${UNITS} units reserve exactly ${UNITS}`, async () => {
    const warehouseId = await makeWarehouse(env);
    const productId = await makeProduct(env);
    await receive(env, productId, warehouseId, UNITS);
    const rule = await env.request('POST', '/api/v1/reorder-rules', {
      body: { productId, warehouseId, reorderPoint: 10, reorderQuantity: 100 },
    });
    expect(rule.status).toBe(201);
    const customers = await Promise.all(Array.from({ length: 20 }, () => makeCustomer(env)));

    const ids: number[] = [];
    for (let batch = 0; batch < COMPETITORS; batch += 20) {
      const created = await Promise.all(
        Array.from({ length: Math.min(20, COMPETITORS - batch) }, (_, i) =>
          env.request('POST', '/api/v1/orders', {
            key: 'staff',
            body: { customerId: customers[i]!, lines: [{ productId, quantity: 1 }] },
          }),
        ),
      );
      for (const c of created) {
        expect(c.status, c.text).toBe(201);
        ids.push(c.body.id);
      }
    }

    let racing = true;
    let lowestAvailable = Infinity;
    const watcher = (async () => {
      while (racing) {
        lowestAvailable = Math.min(
          lowestAvailable,
          (await stockOf(env, productId, warehouseId)).available,
        );
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const results = await Promise.all(
      ids.map((id) => env.request('POST', `/api/v1/orders/${id}/confirm`, { key: 'staff' })),
    );
    racing = false;
    await watcher;

    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(UNITS);
    expect(statuses.filter((s) => s === 409)).toHaveLength(COMPETITORS - UNITS);
    expect(await stockOf(env, productId, warehouseId)).toEqual({
      productId,
      warehouseId,
      onHand: UNITS,
      reserved: UNITS,
      available: 0,
    });
    expect(lowestAvailable).toBeGreaterThanOrEqual(0);
    const confirmed = await env.ops.db
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('id', 'in', ids)
      .where('status', '=', 'confirmed')
      .executeTakeFirstOrThrow();
    expect(Number(confirmed.n)).toBe(UNITS);
    await expectLedgerMatchesLevels(env);
    // Crossing the reorder point (11 → 10 available) raised exactly one alert and one event.
    const alerts = await env.request('GET', `/api/v1/alerts?productId=${productId}`);
    expect(alerts.body.items).toHaveLength(1);
    const events = await env.ops.db
      .selectFrom('order_events')
      .select('payload')
      .where('event_type', '=', 'stock.low')
      .execute();
    expect(
      events.filter((e) => (e.payload as { productId: number }).productId === productId),
    ).toHaveLength(1);
    // 200 requests through one PGlite session take ~10 s alone; far longer on a loaded machine.
  }, 300_000);
});

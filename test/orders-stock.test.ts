/**
 * Orders and stock over HTTP on both databases: confirm reserves, ship deducts, cancel releases,
 * a return puts stock back (and adjusts the total), nothing is reserved beyond what is
 * available — the ledger always equal to the levels.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import {
  expectLedgerMatchesLevels,
  makeProduct,
  orderCalls,
  receive,
  seedOrderStock,
  stockOf,
  writeCounts,
} from './orders-fixtures.ts';

describeBoth('orders: stock', (kind) => {
  let env: TestEnv;
  let warehouseId: number;
  let productId: number; // 10.00
  let bigProductId: number; // 30000.00, above the approval threshold
  let customerId: number;

  const world = () => ({ env, warehouseId, productId, bigProductId, customerId });
  const { create, act, orderIn } = orderCalls(world);

  beforeAll(async () => {
    env = await startTestEnv(kind);
    ({ warehouseId, productId, bigProductId, customerId } = await seedOrderStock(env));
  });
  afterAll(async () => {
    await env?.close();
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
});

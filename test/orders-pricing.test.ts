/**
 * Order prices from price lists over HTTP on both databases: the draft's unit price is the one
 * price resolution gives for the customer's group, the quantity tier and the day.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import { makeCustomer, makeProduct, makeWarehouse, receive } from './orders-fixtures.ts';

describeBoth('order pricing', (kind) => {
  let env: TestEnv;
  let warehouseId: number;
  let customerId: number;
  const create = (body: unknown, key = 'staff') =>
    env.request('POST', '/api/v1/orders', { body, key });

  beforeAll(async () => {
    env = await startTestEnv(kind);
    warehouseId = await makeWarehouse(env);
    customerId = await makeCustomer(env);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('prices lines from the price lists: customer group, quantity tier, validity window', async () => {
    const p = await makeProduct(env, { listPrice: '20.00' });
    await receive(env, p, warehouseId, 100);
    const wholesale = await makeCustomer(env, { group: 'wholesale' });
    const list = await env.ops.db
      .insertInto('price_lists')
      .values({ name: `List ${p}` })
      .returning('id')
      .executeTakeFirstOrThrow();
    const day = 24 * 3600 * 1000;
    await env.ops.db
      .insertInto('price_list_items')
      .values([
        { price_list_id: list.id, product_id: p, min_quantity: 1, unit_price: '18.00' },
        { price_list_id: list.id, product_id: p, min_quantity: 10, unit_price: '16.50' },
        {
          price_list_id: list.id,
          product_id: p,
          customer_group: 'wholesale',
          min_quantity: 10,
          unit_price: '15.00',
          valid_from: new Date(Date.now() - day),
          valid_to: new Date(Date.now() + day),
        },
        {
          price_list_id: list.id,
          product_id: p,
          customer_group: 'wholesale',
          min_quantity: 1,
          unit_price: '9.00',
          valid_to: new Date(Date.now() - day), // expired
        },
      ])
      .execute();
    const price = async (customer: number, quantity: number) =>
      (await create({ customerId: customer, lines: [{ productId: p, quantity }] })).body.lines[0]
        .unitPrice;
    expect(await price(customerId, 2)).toBe('18.00');
    expect(await price(customerId, 12)).toBe('16.50');
    expect(await price(wholesale, 12)).toBe('15.00');
    expect(await price(wholesale, 2)).toBe('18.00');
  });
});

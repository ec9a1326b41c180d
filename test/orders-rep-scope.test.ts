/**
 * An order's rep is checked against the caller's team, as a customer's owner rep is (issue 11):
 * North staff cannot give an order — and so its revenue — to a South rep, neither on create nor
 * by confirming an order that already names one.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import {
  makeCustomer,
  makeProduct,
  makeRepWithKey,
  makeWarehouse,
  receive,
  uid,
  writeCounts,
} from './orders-fixtures.ts';

describeBoth('orders: the rep belongs to the team', (kind) => {
  let env: TestEnv;
  let north: Awaited<ReturnType<typeof makeRepWithKey>>;
  let south: Awaited<ReturnType<typeof makeRepWithKey>>;
  let customerId: number; // owned by the North rep
  let productId: number;

  const create = (body: Record<string, unknown>, key: string) =>
    env.request('POST', '/api/v1/orders', {
      key,
      body: { customerId, lines: [{ productId, quantity: 1 }], ...body },
    });

  beforeAll(async () => {
    env = await startTestEnv(kind);
    const warehouseId = await makeWarehouse(env);
    productId = await makeProduct(env);
    await receive(env, productId, warehouseId, 100);
    north = await makeRepWithKey(env, 'staff');
    south = await makeRepWithKey(env, 'manager');
    customerId = await makeCustomer(env, { ownerRepId: north.repId });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('refuses another team’s rep on create with 422 naming repId, writing nothing', async () => {
    const before = await writeCounts(env);
    const r = await create({ repId: south.repId }, north.key);
    expect(r.status, r.text).toBe(422);
    expect(r.headers.get('content-type')).toMatch(/problem\+json/);
    expect(r.body.errors).toEqual([
      {
        field: 'repId',
        in: 'body',
        message: `sales rep ${south.repId} does not exist in your team`,
      },
    ]);
    expect(await writeCounts(env)).toEqual(before);
    // A rep of the caller's own team is fine, and so is any rep for an admin.
    const own = await create({ repId: north.repId }, north.key);
    expect(own.status, own.text).toBe(201);
    expect(own.body.repId).toBe(north.repId);
    const admin = await create({ repId: south.repId }, env.keys.admin);
    expect(admin.status, admin.text).toBe(201);
  });

  it('refuses an inactive rep of the team', async () => {
    const inactive = await env.ops.db
      .insertInto('sales_reps')
      .values({ code: `R-${uid()}`, name: 'Gone', team_id: north.teamId, active: false })
      .returning('id')
      .executeTakeFirstOrThrow();
    const r = await create({ repId: inactive.id }, north.key);
    expect(r.status, r.text).toBe(422);
    expect(r.body.errors[0]).toMatchObject({ field: 'repId' });
    expect(r.body.errors[0].message).toMatch(/inactive/);
  });

  it('refuses to confirm an order that names another team’s rep; an admin may', async () => {
    const order = await create({ repId: south.repId }, env.keys.admin);
    expect(order.status).toBe(201);
    const path = `/api/v1/orders/${order.body.id}/confirm`;
    const refused = await env.request('POST', path, { key: north.key });
    expect(refused.status, refused.text).toBe(422);
    expect(refused.body.errors[0].field).toBe('repId');
    expect(refused.body.errors[0].in).toBeUndefined(); // the order's rep, not the request's
    expect(refused.body.errors[0].message).toContain(`sales rep ${south.repId}`);
    const still = await env.request('GET', `/api/v1/orders/${order.body.id}`, { key: north.key });
    expect(still.body.status).toBe('draft');
    const confirmed = await env.request('POST', path, { key: 'admin' });
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.body.status).toBe('confirmed');
  });
});

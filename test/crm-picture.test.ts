/** A customer's contacts, their whole picture and their timeline, on both databases. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import {
  auditRows,
  insertCustomer,
  insertOrder,
  insertProduct,
  seedTeams,
  uniq,
  type TeamWorld,
} from './crm-fixtures.ts';

describeBoth('crm: contacts, picture, timeline', (kind) => {
  let env: TestEnv;
  let world: TeamWorld;
  beforeAll(async () => {
    env = await startTestEnv(kind);
    world = await seedTeams(env);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('keeps one primary contact per customer', async () => {
    const c = await env.request('POST', '/api/v1/customers', {
      body: { code: uniq('CT'), name: 'Contacts' },
    });
    const base = `/api/v1/customers/${c.body.id}/contacts`;
    const a = await env.request('POST', base, {
      key: 'staff',
      body: { name: 'Ann', role: 'Buyer' },
    });
    expect(a.status).toBe(201);
    expect(a.body.primary).toBe(true);
    const b = await env.request('POST', base, {
      key: 'staff',
      body: { name: 'Bob', primary: true },
    });
    expect(b.body.primary).toBe(true);
    const list = await env.request('GET', base);
    expect(
      list.body.items.map((x: { name: string; primary: boolean }) => [x.name, x.primary]),
    ).toEqual([
      ['Bob', true],
      ['Ann', false],
    ]);
    const p = await env.request('PATCH', `${base}/${a.body.id}`, {
      body: { email: 'ann@x.test', primary: true },
    });
    expect(p.body).toMatchObject({ email: 'ann@x.test', primary: true });
    expect((await env.request('GET', base)).body.items[1]).toMatchObject({
      name: 'Bob',
      primary: false,
    });
    expect((await env.request('POST', base, { body: { name: 5 } })).status).toBe(400);
    expect(
      (await env.request('POST', '/api/v1/customers/999999/contacts', { body: { name: 'Z' } }))
        .status,
    ).toBe(404);
    const other = await insertCustomer(env);
    expect(
      (
        await env.request('PATCH', `/api/v1/customers/${other}/contacts/${a.body.id}`, {
          body: { name: 'Q' },
        })
      ).status,
    ).toBe(404);
    expect((await env.request('DELETE', `${base}/${b.body.id}`)).status).toBe(204);
    expect(
      (await env.request('GET', base)).body.items.map((x: { name: string }) => x.name),
    ).toEqual(['Ann']);
    expect((await auditRows(env, 'contact', b.body.id)).map((x) => x.action)).toEqual([
      'create',
      'update',
      'delete',
    ]);
  });

  it("shows the customer's whole picture", async () => {
    const id = await insertCustomer(env, { owner: world.reps.n1, name: 'Pictured' });
    const product = await insertProduct(env);
    await insertOrder(env, {
      customerId: id,
      productId: product,
      status: 'delivered',
      quantity: 3,
      price: '10.005',
      orderedAt: new Date('2026-01-10T12:00:00Z'),
    });
    await insertOrder(env, {
      customerId: id,
      productId: product,
      status: 'returned',
      quantity: 4,
      returned: 1,
      price: '2.50',
      orderedAt: new Date('2026-02-03T23:30:00Z'),
    });
    const open = await insertOrder(env, {
      customerId: id,
      productId: product,
      status: 'draft',
      quantity: 100,
    });
    await insertOrder(env, {
      customerId: id,
      productId: product,
      status: 'cancelled',
      quantity: 100,
    });
    await env.request('POST', `/api/v1/customers/${id}/contacts`, {
      body: { name: 'Primary person' },
    });
    const task = await env.request('POST', '/api/v1/activities', {
      key: world.keys.staffN1,
      body: { type: 'call', subject: 'Call back', customerId: id, dueAt: '2030-01-01T09:00:00Z' },
    });
    expect(task.status).toBe(201);
    const opp = await env.request('POST', '/api/v1/opportunities', {
      key: world.keys.staffN1,
      body: { customerId: id, title: 'Upsell', expectedValue: '900' },
    });
    expect(opp.status).toBe(201);

    const r = await env.request('GET', `/api/v1/customers/${id}`, { key: world.keys.managerN });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      id,
      name: 'Pictured',
      // 3 × 10.005 + (4 − 1) × 2.50 = 30.015 + 7.50 → 37.52 (rounded once, half away from zero)
      lifetimeRevenue: '37.52',
      revenueOrders: 2,
      lastOrderDate: '2026-02-03',
    });
    expect(r.body.contacts.map((c: { name: string }) => c.name)).toEqual(['Primary person']);
    expect(r.body.openOrders.map((o: { id: number }) => o.id)).toEqual([open.id]);
    expect(r.body.openActivities.map((a: { id: number }) => a.id)).toEqual([task.body.id]);
    expect(r.body.opportunities.map((o: { id: number }) => o.id)).toEqual([opp.body.id]);
    // The other team's staff does not learn it exists.
    expect(
      (await env.request('GET', `/api/v1/customers/${id}`, { key: world.keys.staffS1 })).status,
    ).toBe(404);
  });

  it('merges activities, orders and order events into one paged timeline', async () => {
    const id = await insertCustomer(env, { owner: world.reps.n2 });
    const product = await insertProduct(env);
    const t = (s: string) => new Date(`2026-03-0${s}Z`);
    const order = await insertOrder(env, {
      customerId: id,
      productId: product,
      orderedAt: t('1T10:00:00'),
    });
    for (const [type, to, at] of [
      ['order.confirmed', 'confirmed', '1T11:00:00'],
      ['order.shipped', 'shipped', '2T09:00:00'],
    ] as const) {
      await env.ops.db
        .insertInto('order_events')
        .values({ order_id: order.id, event_type: type, to_status: to, occurred_at: t(at) })
        .execute();
    }
    const done = await env.request('POST', '/api/v1/activities', {
      body: {
        type: 'meeting',
        subject: 'Kick-off',
        customerId: id,
        doneAt: '2026-03-01T11:00:00Z',
      },
    });
    await env.request('POST', '/api/v1/activities', {
      body: { type: 'task', subject: 'Follow up', customerId: id, dueAt: '2026-03-03T08:00:00Z' },
    });
    const all = await env.request('GET', `/api/v1/customers/${id}/timeline`);
    expect(all.status).toBe(200);
    expect(all.body.items.map((i: { kind: string; at: string }) => [i.kind, i.at])).toEqual([
      ['activity', '2026-03-03T08:00:00.000Z'],
      ['order_event', '2026-03-02T09:00:00.000Z'],
      ['activity', '2026-03-01T11:00:00.000Z'],
      ['order_event', '2026-03-01T11:00:00.000Z'],
      ['order', '2026-03-01T10:00:00.000Z'],
    ]);
    expect(all.body.items[2].id).toBe(done.body.id);
    expect(all.body.nextCursor).toBeNull();

    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: {
        status: number;
        body: { items: { kind: string; id: number }[]; nextCursor: string | null };
      } = await env.request(
        'GET',
        `/api/v1/customers/${id}/timeline?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      paged.push(...page.body.items.map((i) => `${i.kind}:${i.id}`));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(paged).toEqual(
      all.body.items.map((i: { kind: string; id: number }) => `${i.kind}:${i.id}`),
    );

    expect((await env.request('GET', `/api/v1/customers/${id}/timeline?cursor=bogus`)).status).toBe(
      400,
    );
    expect(
      (await env.request('GET', `/api/v1/customers/${id}/timeline`, { key: world.keys.managerS }))
        .status,
    ).toBe(404);
  });
});

/** Customers, contacts, the customer picture and the timeline, on both databases. */
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

describeBoth('crm: customers, contacts, picture, timeline', (kind) => {
  let env: TestEnv;
  let world: TeamWorld;
  beforeAll(async () => {
    env = await startTestEnv(kind);
    world = await seedTeams(env);
  });
  afterAll(async () => {
    await env?.close();
  });
  const count = async (table: 'customers' | 'contacts' | 'audit_log') =>
    Number(
      (
        await env.ops.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('creates a customer, owned by the rep of the key, with an audit row', async () => {
    const code = uniq('ACME');
    const r = await env.request('POST', '/api/v1/customers', {
      key: world.keys.staffN1,
      body: {
        code,
        name: 'Acme',
        email: `${code}@acme.test`,
        tags: ['vip', 'vip', 'b2b'],
        city: 'Oslo',
      },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      code,
      name: 'Acme',
      ownerRepId: world.reps.n1,
      tags: ['vip', 'b2b'],
      creditLimit: null,
      blocked: false,
      deletedAt: null,
    });
    const audit = await auditRows(env, 'customer', r.body.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'create' });
    expect((audit[0]!.diff as Record<string, unknown>).code).toEqual({ from: null, to: code });
  });

  it('refuses a duplicate code or email with a 409 naming the other customer, writing nothing', async () => {
    const code = uniq('DUP');
    const first = await env.request('POST', '/api/v1/customers', {
      body: { code, name: 'First', email: `${code}@x.test` },
    });
    expect(first.status).toBe(201);
    const before = await count('customers');
    const sameCode = await env.request('POST', '/api/v1/customers', {
      body: { code, name: 'Second' },
    });
    expect(sameCode.status).toBe(409);
    expect(sameCode.headers.get('content-type')).toMatch(/problem\+json/);
    expect(sameCode.body.detail).toContain(`customer ${first.body.id}`);
    expect(sameCode.body.conflictingCustomer).toMatchObject({ id: first.body.id, name: 'First' });
    const sameEmail = await env.request('POST', '/api/v1/customers', {
      body: { code: uniq('OTHER'), name: 'Third', email: `${code}@X.TEST`.toUpperCase() },
    });
    expect(sameEmail.status).toBe(409);
    expect(sameEmail.body.errors[0].field).toBe('email');
    const patch = await env.request('POST', '/api/v1/customers', {
      body: { code: uniq('P'), name: 'Fourth' },
    });
    const clash = await env.request('PATCH', `/api/v1/customers/${patch.body.id}`, {
      body: { email: `${code}@x.test` },
    });
    expect(clash.status).toBe(409);
    expect(clash.body.conflictingCustomer.id).toBe(first.body.id);
    expect(await count('customers')).toBe(before + 1);
  });

  it('answers bad input with problem+json and writes nothing', async () => {
    const customers = await count('customers');
    const audit = await count('audit_log');
    const cases: [unknown, number, string?][] = [
      [{ code: 5, name: 'X' }, 400, 'code'],
      [{ code: 'A', name: '' }, 400, 'name'],
      [{ code: 'A', name: 'X', email: 'not-an-email' }, 400, 'email'],
      [{ code: 'A', name: 'X', creditLimit: '-5' }, 400, 'creditLimit'],
      [{ code: 'A', name: 'X', tags: 'vip' }, 400, 'tags'],
      [{ code: 'A', name: 'X', surprise: true }, 400],
      [{ code: 'A', name: 'X', ownerRepId: 999999 }, 422, 'ownerRepId'],
      [{ code: 'A', name: 'X', ownerRepId: 2 ** 62 }, 400, 'ownerRepId'],
      [[1, 2], 400],
      [null, 400],
    ];
    for (const [body, status, field] of cases) {
      const r = await env.request('POST', '/api/v1/customers', { body });
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
      if (field) expect(r.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect((await env.request('POST', '/api/v1/customers', { rawBody: '{"code":' })).status).toBe(
      400,
    );
    const huge = await env.request('POST', '/api/v1/customers', {
      body: { code: 'H', name: 'x'.repeat(1_500_000) },
    });
    expect(huge.status).toBe(413);
    const text = await env.request('POST', '/api/v1/customers', {
      rawBody: 'code=A',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect((await env.request('GET', '/api/v1/customers/abc')).status).toBe(400);
    expect((await env.request('GET', '/api/v1/customers/999999')).status).toBe(404);
    expect((await env.request('GET', '/api/v1/customers?limit=0')).status).toBe(400);
    expect((await env.request('GET', '/api/v1/customers?cursor=not-a-cursor')).status).toBe(400);
    expect(await count('customers')).toBe(customers);
    expect(await count('audit_log')).toBe(audit);
  });

  it('lets only managers set credit limits and blocking', async () => {
    const staff = await env.request('POST', '/api/v1/customers', {
      key: 'staff',
      body: { code: uniq('CL'), name: 'Credit', creditLimit: '5000.00', blocked: true },
    });
    expect(staff.status).toBe(403);
    expect(staff.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'blocked',
      'creditLimit',
    ]);
    const mgr = await env.request('POST', '/api/v1/customers', {
      key: 'manager',
      body: { code: uniq('CL'), name: 'Credit', creditLimit: 5000.5 },
    });
    expect(mgr.status).toBe(201);
    expect(mgr.body.creditLimit).toBe('5000.50');
  });

  it('searches, filters and pages the list', async () => {
    const tag = uniq('tag');
    const group = 'wholesale'; // a defined group; the tag keeps the list to this test's rows
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await env.request('POST', '/api/v1/customers', {
        body: {
          code: uniq('L'),
          name: `Listable ${tag} ${i}`,
          city: i % 2 ? 'Bergen' : 'Tromsø',
          country: 'NO',
          group: i < 3 ? group : null,
          tags: i === 4 ? [tag] : [],
          ownerRepId: i === 0 ? world.reps.s1 : null,
        },
      });
      ids.push(r.body.id);
    }
    const q = await env.request('GET', `/api/v1/customers?q=${encodeURIComponent(tag)}`);
    expect(q.body.items.map((c: { id: number }) => c.id)).toEqual(ids);
    const byGroup = await env.request('GET', `/api/v1/customers?group=${group}&q=${tag}`);
    expect(byGroup.body.items).toHaveLength(3);
    const byTag = await env.request('GET', `/api/v1/customers?tag=${tag}`);
    expect(byTag.body.items.map((c: { id: number }) => c.id)).toEqual([ids[4]]);
    const byOwner = await env.request('GET', `/api/v1/customers?owner=${world.reps.s1}&q=${tag}`);
    expect(byOwner.body.items.map((c: { id: number }) => c.id)).toEqual([ids[0]]);
    const city = await env.request('GET', `/api/v1/customers?q=${tag}&country=no`);
    expect(city.body.items).toHaveLength(5);
    const like = await env.request('GET', `/api/v1/customers?q=${encodeURIComponent('%')}`);
    expect(like.status).toBe(200);

    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: number }[]; nextCursor: string | null } } =
        await env.request(
          'GET',
          `/api/v1/customers?q=${tag}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((c) => c.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids);

    // North's staff sees unowned customers, not South's.
    const scoped = await env.request('GET', `/api/v1/customers?q=${tag}`, {
      key: world.keys.staffN1,
    });
    expect(scoped.body.items.map((c: { id: number }) => c.id)).toEqual(ids.slice(1));
  });

  it('soft-deletes and restores, refusing while orders are open', async () => {
    const c = await env.request('POST', '/api/v1/customers', {
      body: { code: uniq('DEL'), name: 'Deletable', email: `${uniq('d')}@x.test` },
    });
    const id = c.body.id;
    expect((await env.request('DELETE', `/api/v1/customers/${id}`, { key: 'staff' })).status).toBe(
      403,
    );
    expect(
      (await env.request('DELETE', `/api/v1/customers/${id}`, { key: 'manager' })).status,
    ).toBe(204);
    expect((await env.request('GET', `/api/v1/customers/${id}`)).status).toBe(404);
    expect(
      (await env.request('DELETE', `/api/v1/customers/${id}`, { key: 'manager' })).status,
    ).toBe(404);
    const deleted = await env.request('GET', `/api/v1/customers?deleted=true&q=${c.body.code}`);
    expect(deleted.body.items[0]).toMatchObject({ id });
    expect(deleted.body.items[0].deletedAt).not.toBeNull();
    const again = await env.request('POST', '/api/v1/customers', {
      body: { code: c.body.code, name: 'Reuse' },
    });
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/deleted; restore it/);
    const restored = await env.request('POST', `/api/v1/customers/${id}/restore`, {
      key: 'manager',
    });
    expect(restored.status).toBe(200);
    expect(restored.body.deletedAt).toBeNull();
    expect((await auditRows(env, 'customer', id)).map((a) => a.action)).toEqual([
      'create',
      'delete',
      'restore',
    ]);

    const product = await insertProduct(env);
    await insertOrder(env, { customerId: id, productId: product, status: 'confirmed' });
    const refused = await env.request('DELETE', `/api/v1/customers/${id}`, { key: 'manager' });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/1 open order/);
  });

  it('updates a customer and audits only what changed', async () => {
    const c = await env.request('POST', '/api/v1/customers', {
      body: { code: uniq('UP'), name: 'Before', city: 'Oslo' },
    });
    const r = await env.request('PATCH', `/api/v1/customers/${c.body.id}`, {
      key: 'staff',
      body: { name: 'After', phone: '' },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ name: 'After', city: 'Oslo', phone: null });
    const audit = await auditRows(env, 'customer', c.body.id);
    expect(audit[1]!.diff).toEqual({ name: { from: 'Before', to: 'After' } });
    const viaApi = await env.request('GET', `/api/v1/audit?entity=customer&id=${c.body.id}`, {
      key: 'analyst',
    });
    expect(viaApi.body.items.map((a: { action: string }) => a.action)).toEqual([
      'update',
      'create',
    ]);
    expect(viaApi.body.items[0]).toMatchObject({ keyName: 'test-staff', role: 'staff' });
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

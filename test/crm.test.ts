/**
 * Customers on both databases: create, duplicates, bad input, credit limits, search, soft delete
 * and update, each audited. Contacts, the customer picture and the timeline are in
 * test/crm-picture.test.ts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import {
  auditRows,
  insertOrder,
  insertProduct,
  seedTeams,
  uniq,
  type TeamWorld,
} from './crm-fixtures.ts';

describeBoth('crm: customers', (kind) => {
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
});

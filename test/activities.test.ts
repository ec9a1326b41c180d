/** Activities: references, ownership, the due/overdue filters and scope, on both databases. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import {
  auditRows,
  insertCustomer,
  insertOrder,
  insertProduct,
  seedTeams,
  type TeamWorld,
} from './crm-fixtures.ts';

describeBoth('activities', (kind) => {
  let env: TestEnv;
  let world: TeamWorld;
  let northCustomer: number;
  let southCustomer: number;
  beforeAll(async () => {
    env = await startTestEnv(kind);
    world = await seedTeams(env);
    northCustomer = await insertCustomer(env, { owner: world.reps.n2 });
    southCustomer = await insertCustomer(env, { owner: world.reps.s1 });
  });
  afterAll(async () => {
    await env?.close();
  });
  const activityCount = async () =>
    Number(
      (
        await env.ops.db
          .selectFrom('activities')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('logs an activity owned by the key’s rep, deriving the customer from its references', async () => {
    const contact = await env.request('POST', `/api/v1/customers/${northCustomer}/contacts`, {
      body: { name: 'Cleo' },
    });
    const r = await env.request('POST', '/api/v1/activities', {
      key: world.keys.staffN1,
      body: { type: 'email', subject: 'Sent the offer', contactId: contact.body.id },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      type: 'email',
      customerId: northCustomer,
      contactId: contact.body.id,
      ownerRepId: world.reps.n1,
      doneAt: null,
      followupRuleId: null,
    });
    const product = await insertProduct(env);
    const order = await insertOrder(env, { customerId: northCustomer, productId: product });
    const onOrder = await env.request('POST', '/api/v1/activities', {
      key: world.keys.staffN1,
      body: {
        type: 'call',
        subject: 'Delivery date',
        orderId: order.id,
        ownerRepId: world.reps.n2,
      },
    });
    expect(onOrder.body).toMatchObject({
      customerId: northCustomer,
      orderId: order.id,
      ownerRepId: world.reps.n2,
    });
    expect((await auditRows(env, 'activity', onOrder.body.id)).map((a) => a.action)).toEqual([
      'create',
    ]);
  });

  it('refuses references that are unknown, disagree or belong to another team (422, nothing written)', async () => {
    const before = await activityCount();
    const southContact = await env.ops.db
      .insertInto('contacts')
      .values({ customer_id: southCustomer, name: 'South contact' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const cases: [Record<string, unknown>, string][] = [
      [{ customerId: 999999 }, 'customerId'],
      [{ contactId: 999999 }, 'contactId'],
      [{ opportunityId: 999999 }, 'opportunityId'],
      [{ orderId: 999999 }, 'orderId'],
      [{ customerId: northCustomer, contactId: southContact.id }, 'contactId'],
      [{ customerId: southCustomer }, 'customerId'],
      [{ contactId: southContact.id }, 'contactId'],
      [{ customerId: northCustomer, ownerRepId: world.reps.s1 }, 'ownerRepId'],
    ];
    for (const [refs, field] of cases) {
      const r = await env.request('POST', '/api/v1/activities', {
        key: world.keys.staffN1,
        body: { type: 'task', subject: 'x', ...refs },
      });
      expect(r.status, JSON.stringify(refs)).toBe(422);
      expect(r.body.errors[0].field).toBe(field);
    }
    const bad: unknown[] = [
      { type: 'fax', subject: 'x' },
      { type: 'task' },
      { type: 'task', subject: 'x', dueAt: 'tomorrow' },
      { type: 'task', subject: 'x', dueAt: '2026-13-45T99:00:00Z' },
      { type: 'task', subject: 'x', customerId: '12' },
      { type: 'task', subject: 'x', notes: 'n'.repeat(20001) },
    ];
    for (const body of bad) {
      const r = await env.request('POST', '/api/v1/activities', { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.headers.get('content-type')).toMatch(/problem\+json/);
    }
    expect((await env.request('POST', '/api/v1/activities', { rawBody: '{' })).status).toBe(400);
    expect(
      (
        await env.request('POST', '/api/v1/activities', {
          body: { type: 'task', subject: 'x'.repeat(2_000_000) },
        })
      ).status,
    ).toBe(413);
    expect(await activityCount()).toBe(before);
  });

  it('filters by owner, overdue, due today and open', async () => {
    const customer = await insertCustomer(env, { owner: world.reps.n1 });
    const now = Date.now();
    const mk = async (subject: string, extra: Record<string, unknown>) =>
      (
        await env.request('POST', '/api/v1/activities', {
          key: world.keys.staffN1,
          body: { type: 'task', subject, customerId: customer, ...extra },
        })
      ).body.id as number;
    const overdue = await mk('overdue', { dueAt: new Date(now - 3 * 86_400_000).toISOString() });
    // Later today (so not yet overdue): halfway between now and UTC midnight (TZ is UTC here).
    const midnight = new Date(now).setUTCHours(24, 0, 0, 0);
    const today = await mk('today', { dueAt: new Date(now + (midnight - now) / 2).toISOString() });
    const later = await mk('later', { dueAt: new Date(now + 5 * 86_400_000).toISOString() });
    const done = await mk('done', {
      dueAt: new Date(now - 5 * 86_400_000).toISOString(),
      doneAt: new Date(now - 4 * 86_400_000).toISOString(),
      outcome: 'agreed',
    });
    const ids = async (qs: string) =>
      (
        await env.request('GET', `/api/v1/activities?customerId=${customer}&${qs}`, {
          key: world.keys.staffN1,
        })
      ).body.items.map((a: { id: number }) => a.id);
    expect(await ids('owner=me')).toEqual([overdue, today, later, done]);
    expect(await ids('overdue=true')).toEqual([overdue]);
    expect(await ids('due=today')).toEqual([today]);
    expect(await ids('open=false')).toEqual([done]);
    expect(await ids('open=true&type=task')).toEqual([overdue, today, later]);
    expect(await ids(`owner=${world.reps.n2}`)).toEqual([]);
    const noRep = await env.request('GET', '/api/v1/activities?owner=me', { key: 'staff' });
    expect(noRep.status).toBe(400);
    expect(noRep.body.errors[0].field).toBe('owner');
    expect((await env.request('GET', '/api/v1/activities?overdue=maybe')).status).toBe(400);
    expect((await env.request('GET', '/api/v1/activities?due=yesterday')).status).toBe(400);
  });

  it('completes an activity with an audited diff, and deletes it', async () => {
    const a = await env.request('POST', '/api/v1/activities', {
      key: world.keys.staffN1,
      body: {
        type: 'call',
        subject: 'Ring',
        customerId: northCustomer,
        dueAt: '2026-05-01T09:00:00Z',
      },
    });
    const done = await env.request('PATCH', `/api/v1/activities/${a.body.id}`, {
      key: world.keys.staffN2,
      body: { doneAt: '2026-05-01T09:30:00+02:00', outcome: 'Will order next week' },
    });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      doneAt: '2026-05-01T07:30:00.000Z',
      outcome: 'Will order next week',
    });
    const audit = await auditRows(env, 'activity', a.body.id);
    expect(audit[1]!.diff).toEqual({
      doneAt: { from: null, to: '2026-05-01T07:30:00.000Z' },
      outcome: { from: null, to: 'Will order next week' },
    });
    expect(
      (await env.request('PATCH', `/api/v1/activities/${a.body.id}`, { body: { type: 'fax' } }))
        .status,
    ).toBe(400);
    expect(
      (await env.request('DELETE', `/api/v1/activities/${a.body.id}`, { key: world.keys.staffN1 }))
        .status,
    ).toBe(204);
    expect((await env.request('GET', `/api/v1/activities/${a.body.id}`)).status).toBe(404);
  });

  it("hides another team's activities (404, not 403)", async () => {
    const a = await env.request('POST', '/api/v1/activities', {
      key: world.keys.staffS1,
      body: { type: 'meeting', subject: 'South meeting', customerId: southCustomer },
    });
    expect(a.status).toBe(201);
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { subject: 'peek' }],
      ['DELETE', undefined],
    ] as const) {
      const r = await env.request(method, `/api/v1/activities/${a.body.id}`, {
        key: world.keys.staffN1,
        body,
      });
      expect(r.status, method).toBe(404);
    }
    const list = await env.request('GET', `/api/v1/activities?customerId=${southCustomer}`, {
      key: world.keys.managerN,
    });
    expect(list.body.items).toEqual([]);
    const south = await env.request('GET', `/api/v1/activities?customerId=${southCustomer}`, {
      key: world.keys.managerS,
    });
    expect(south.body.items.map((x: { id: number }) => x.id)).toEqual([a.body.id]);
    expect(
      (await env.request('GET', `/api/v1/activities/${a.body.id}`, { key: 'analyst' })).status,
    ).toBe(200);
  });
});

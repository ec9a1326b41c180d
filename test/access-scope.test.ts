/**
 * The _team_ and _own_ cells of the access matrix (docs/access.md): a manager or staff key of North asking for
 * South's records gets exactly what it would get for records that do not exist — 404 for an id
 * in the path, the "does not exist" 422 for an id in the body, nothing in a list — and the
 * attempts change nothing. Every scoped cell must have a case here (or a named suite elsewhere).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { OrderStatus } from '../db/schema-orders.ts';
import { insertOrder, uniq } from './crm-fixtures.ts';
import { readMatrix } from './support/access-matrix.ts';
import { adminCreate, NOWHERE, seedAccessWorld, type AccessWorld } from './support/access-world.ts';
import { emit, orderCreated } from './support/events.ts';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';

type Scoped = 'manager' | 'staff';

/** One refused request: `route` is its docs/access.md row. */
type ScopeCase = { route: string; roles: Scoped[]; method: string; url: string } & (
  | { expect: 'missing'; body?: unknown }
  | { expect: 'unknown'; body: (id: number) => unknown; foreign: number }
  | { expect: 'hidden'; foreign: number }
);

/** Scoped cells whose other-team behaviour needs built marts, checked by that suite instead. */
const SCOPED_ELSEWHERE: Record<string, string> = {
  'GET /api/v1/reports/sales': 'reports.test.ts: limits a manager to the reps of their team',
  'GET /api/v1/events/stream':
    "events-stream.test.ts: scopes the stream like the list: a manager hears their team's events only",
  'GET /api/v1/reports/team': 'reports-team.test.ts: matches monthly quotas … scopes a manager',
  'GET /api/v1/dashboards/{id}/panels/{panel}/data':
    "dashboards-api.test.ts: a manager cannot see another team's figures by editing the URL",
  'GET /api/v1/dashboards/{id}/panels/{panel}.svg':
    'dashboards-api.test.ts: images are drawn from the same rows as …/data',
  'GET /api/v1/dashboards/{id}/panels/{panel}.png':
    'dashboards-api.test.ts: images are drawn from the same rows as …/data',
  'GET /api/v1/dashboards/{id}/panels/{panel}.json':
    'dashboards-api.test.ts: images are drawn from the same rows as …/data',
  'GET /api/v1/dashboards/{id}/panels/{panel}/rows':
    "dashboards-rows.test.ts: keeps a manager to their team's lines; another team by URL is a 403",
  'GET /api/v1/reports/snapshots/{id}.png':
    "reports-job.test.ts: shows a manager only their own team's images",
};

/** Row counts of every table a refused request could have written. */
async function rowCounts(env: TestEnv) {
  const tables = [
    'audit_log',
    'customers',
    'contacts',
    'activities',
    'opportunities',
    'opportunity_stage_history',
    'quotas',
    'orders',
    'order_events',
    'stock_movements',
  ];
  const r = await sql<Record<string, number>>`SELECT ${sql.join(
    tables.map((t) => sql`(SELECT count(*) FROM ${sql.table(t)})::int AS ${sql.ref(t)}`),
  )}`.execute(env.ops.db);
  return r.rows[0]!;
}

describeBoth('access: another team’s records look missing', (kind) => {
  let env: TestEnv;
  let seeded: AccessWorld;
  let cases: ScopeCase[];
  const orderIn = {} as Record<'confirm' | 'approve' | 'ship' | 'deliver' | 'return', number>;
  let returnLine: number;
  /** The event of South's draft order (the feed's scoped cell). */
  let southEvent: number;

  beforeAll(async () => {
    env = await startTestEnv(kind);
    seeded = await seedAccessWorld(env);
    const { ids: s, world } = seeded;
    // South orders, each in the state its action would accept, so only the scope can refuse.
    const states: [keyof typeof orderIn, OrderStatus][] = [
      ['confirm', 'draft'],
      ['approve', 'pending_approval'],
      ['ship', 'confirmed'],
      ['deliver', 'shipped'],
      ['return', 'delivered'],
    ];
    for (const [action, status] of states) {
      orderIn[action] = (
        await insertOrder(env, { customerId: s.customerS, productId: s.product, status })
      ).id;
    }
    returnLine = (
      await env.ops.db
        .selectFrom('order_lines')
        .select('id')
        .where('order_id', '=', orderIn.return)
        .executeTakeFirstOrThrow()
    ).id;
    [southEvent] = (await emit(env, [orderCreated(s.orderS, s.customerS)])) as [number];
    const both: Scoped[] = ['manager', 'staff'];
    const api = '/api/v1';
    // `route` as docs/access.md writes it, without the /api/v1 prefix.
    const c = (route: string, roles: Scoped[], url: string, body?: unknown): ScopeCase => {
      const [method, path] = route.split(' ') as [string, string];
      return {
        route: `${method} ${api}${path}`,
        roles,
        method,
        url: api + url,
        expect: 'missing',
        body,
      };
    };
    const unknown = (
      route: string,
      roles: Scoped[],
      foreign: number,
      body: (id: number) => unknown,
    ): ScopeCase => ({
      ...c(route, roles, route.split(' ')[1]!),
      expect: 'unknown',
      foreign,
      body,
    });
    const hidden = (route: string, roles: Scoped[], url: string, foreign: number): ScopeCase => ({
      ...c(route, roles, url),
      expect: 'hidden',
      foreign,
    });
    const won = { stage: 'won', createOrder: true };
    cases = [
      // customers, contacts
      hidden('GET /customers', both, `/customers?owner=${world.reps.s1}`, s.customerS),
      unknown('POST /customers', both, world.reps.s1, (id) => ({
        code: uniq('SPY'),
        name: 'Spy',
        ownerRepId: id,
      })),
      c('GET /customers/{id}', both, `/customers/${s.customerS}`),
      c('PATCH /customers/{id}', both, `/customers/${s.customerS}`, { name: 'taken' }),
      c('DELETE /customers/{id}', ['manager'], `/customers/${s.customerS}`),
      c('POST /customers/{id}/restore', ['manager'], `/customers/${s.deletedS}/restore`),
      c('GET /customers/{id}/timeline', both, `/customers/${s.customerS}/timeline`),
      c('GET /customers/{id}/contacts', both, `/customers/${s.customerS}/contacts`),
      c('POST /customers/{id}/contacts', both, `/customers/${s.customerS}/contacts`, {
        name: 'spy',
      }),
      c(
        'PATCH /customers/{id}/contacts/{contactId}',
        both,
        `/customers/${s.customerS}/contacts/${s.contactS}`,
        { name: 'x' },
      ),
      c(
        'DELETE /customers/{id}/contacts/{contactId}',
        both,
        `/customers/${s.customerS}/contacts/${s.contactS}`,
      ),
      // activities
      hidden('GET /activities', both, `/activities?customerId=${s.customerS}`, s.activityS),
      unknown('POST /activities', both, s.customerS, (id) => ({
        type: 'task',
        subject: 'spy',
        customerId: id,
      })),
      // ...and through what an activity may concern: the answer must not name South's customer.
      unknown('POST /activities', both, s.orderS, (id) => ({
        type: 'task',
        subject: 'spy',
        orderId: id,
      })),
      unknown('POST /activities', both, s.contactS, (id) => ({
        type: 'task',
        subject: 'spy',
        contactId: id,
      })),
      c('GET /activities/{id}', both, `/activities/${s.activityS}`),
      c('PATCH /activities/{id}', both, `/activities/${s.activityS}`, { subject: 'x' }),
      c('DELETE /activities/{id}', both, `/activities/${s.activityS}`),
      // opportunities: staff see only their own pipeline, even within the team
      hidden(
        'GET /opportunities',
        both,
        `/opportunities?customerId=${s.customerS}`,
        s.opportunityS,
      ),
      hidden(
        'GET /opportunities',
        ['staff'],
        `/opportunities?customerId=${s.customerN}`,
        s.teammateOpportunity,
      ),
      unknown('POST /opportunities', both, s.customerS, (id) => ({ customerId: id, title: 'spy' })),
      unknown('POST /opportunities', ['staff'], world.reps.n2, (id) => ({
        customerId: s.customerN,
        title: 'spy',
        ownerRepId: id,
      })),
      c('GET /opportunities/{id}', both, `/opportunities/${s.opportunityS}`),
      c('PATCH /opportunities/{id}', both, `/opportunities/${s.opportunityS}`, { title: 'x' }),
      c('PATCH /opportunities/{id}', both, `/opportunities/${s.opportunityS}`, won),
      c('DELETE /opportunities/{id}', ['manager'], `/opportunities/${s.opportunityS}`),
      c('GET /opportunities/{id}', ['staff'], `/opportunities/${s.teammateOpportunity}`),
      c('PATCH /opportunities/{id}', ['staff'], `/opportunities/${s.teammateOpportunity}`, won),
      // quotas
      hidden('GET /quotas', ['manager'], `/quotas?repId=${world.reps.s1}`, s.quotaS),
      unknown('POST /quotas', ['manager'], world.reps.s1, (id) => ({
        repId: id,
        periodType: 'year',
        periodStart: '2031-01-01',
        amount: '1',
      })),
      c('GET /quotas/{id}', ['manager'], `/quotas/${s.quotaS}`),
      c('PATCH /quotas/{id}', ['manager'], `/quotas/${s.quotaS}`, { amount: '1' }),
      c('DELETE /quotas/{id}', ['manager'], `/quotas/${s.quotaS}`),
      // orders follow their customer's owner rep
      hidden('GET /orders', both, `/orders?customerId=${s.customerS}`, s.orderS),
      unknown('POST /orders', both, s.customerS, (id) => ({
        customerId: id,
        lines: [{ productId: s.product, quantity: 1 }],
      })),
      c('GET /orders/{id}', both, `/orders/${s.orderS}`),
      c('GET /orders/{id}/timeline', both, `/orders/${s.orderS}/timeline`),
      // the feed follows the customer's owner too
      hidden('GET /events', both, `/events?entity=order:${s.orderS}`, southEvent),
      c('POST /orders/{id}/confirm', both, `/orders/${orderIn.confirm}/confirm`),
      c('POST /orders/{id}/approve', ['manager'], `/orders/${orderIn.approve}/approve`),
      c('POST /orders/{id}/ship', both, `/orders/${orderIn.ship}/ship`),
      c('POST /orders/{id}/deliver', both, `/orders/${orderIn.deliver}/deliver`),
      c('POST /orders/{id}/cancel', both, `/orders/${orderIn.ship}/cancel`, { reason: 'spy' }),
      c('POST /orders/{id}/return', both, `/orders/${orderIn.return}/return`, {
        lines: [{ lineId: returnLine, quantity: 1 }],
      }),
      // a price for another team's customer
      c('GET /products/{id}/price', both, `/products/${s.product}/price?customerId=${s.customerS}`),
    ];
  });
  afterAll(async () => {
    await env?.close();
  });

  it('has a case for every _team_ and _own_ cell of the access matrix (docs/access.md)', () => {
    const missing = readMatrix().flatMap((row) =>
      (['manager', 'staff'] as const)
        .filter((role) => row.scope[role] === 'team' || row.scope[role] === 'own')
        .filter((role) => !SCOPED_ELSEWHERE[row.route])
        .filter((role) => !cases.some((k) => k.route === row.route && k.roles.includes(role)))
        .map((role) => `${row.route} as ${role}`),
    );
    expect(missing).toEqual([]);
  });

  it("answers another team's records like missing ones — and changes nothing", async () => {
    const before = await rowCounts(env);
    for (const k of cases) {
      for (const role of k.roles) {
        const key = seeded.keyOf[role];
        const what = `${k.method} ${k.url} as ${role}`;
        if (k.expect === 'missing') {
          const r = await env.request(k.method, k.url, { key, body: k.body });
          expect(r.status, `${what}: ${r.text.slice(0, 200)}`).toBe(404);
          expect(r.body.detail, what).toMatch(/was not found/);
        } else if (k.expect === 'unknown') {
          const r = await env.request(k.method, k.url, { key, body: k.body(k.foreign) });
          const absent = await env.request(k.method, k.url, { key, body: k.body(NOWHERE) });
          expect(absent.status, `${what} (absent id): ${absent.text.slice(0, 200)}`).toBe(422);
          expect(r.status, `${what}: ${r.text.slice(0, 200)}`).toBe(absent.status);
          expect(String(r.body.detail).replaceAll(String(k.foreign), '#'), what).toBe(
            String(absent.body.detail).replaceAll(String(NOWHERE), '#'),
          );
        } else {
          const r = await env.request(k.method, k.url, { key });
          expect(r.status, `${what}: ${r.text.slice(0, 200)}`).toBe(200);
          expect(
            r.body.items.map((i: { id: number }) => i.id),
            what,
          ).not.toContain(k.foreign);
        }
      }
    }
    expect(await rowCounts(env)).toEqual(before);

    // South's own keys still see everything as it was.
    const { ids, world } = seeded;
    const asSouth = (path: string, key = world.keys.managerS) =>
      env.request('GET', `/api/v1${path}`, { key });
    for (const path of [
      `/customers/${ids.customerS}`,
      `/activities/${ids.activityS}`,
      `/opportunities/${ids.opportunityS}`,
      `/orders/${ids.orderS}`,
    ]) {
      expect((await asSouth(path, world.keys.staffS1)).status, path).toBe(200);
    }
    expect((await asSouth(`/quotas/${ids.quotaS}`)).body.amount).toBe('100.00');
    const feed = await asSouth(`/events?entity=order:${ids.orderS}`, world.keys.staffS1);
    expect(feed.body.items.map((e: { id: number }) => e.id)).toEqual([southEvent]);
    const picture = (await asSouth(`/customers/${ids.customerS}`)).body;
    expect(picture.name).toBe('Fixture customer');
    expect(picture.contacts.map((x: { name: string }) => x.name)).toEqual(['C']);
    const deal = (await asSouth(`/opportunities/${ids.opportunityS}`)).body;
    expect([deal.stage, deal.orderId]).toEqual(['lead', null]);
    const statuses = await env.ops.db
      .selectFrom('orders')
      .select(['id', 'status'])
      .where('id', 'in', Object.values(orderIn))
      .orderBy('id')
      .execute();
    expect(statuses.map((o) => o.status)).toEqual([
      'draft',
      'pending_approval',
      'confirmed',
      'shipped',
      'delivered',
    ]);
  });

  it('lets North act on its own records with the same requests', async () => {
    // The refusals above are the scope's, not a broken request: the same won → order on North's
    // own deal succeeds for its owner.
    const { ids, world } = seeded;
    const r = await env.request('PATCH', `/api/v1/opportunities/${ids.opportunityN}`, {
      key: world.keys.staffN1,
      body: { stage: 'won', createOrder: true },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body.orderId).toEqual(expect.any(Number));
    const order = await env.request('GET', `/api/v1/orders/${r.body.orderId}`, {
      key: world.keys.managerN,
    });
    expect(order.status).toBe(200);
    expect(order.body.customerId).toBe(ids.customerN);
    const orderId = await adminCreate(env, '/orders', {
      customerId: ids.customerN,
      lines: [{ productId: ids.product, quantity: 1 }],
    });
    const cancel = await env.request('POST', `/api/v1/orders/${orderId}/cancel`, {
      key: world.keys.staffN1,
      body: { reason: 'spy' },
    });
    expect(cancel.status, cancel.text).toBe(200);
  });
});

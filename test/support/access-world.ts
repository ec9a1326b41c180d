/**
 * What the access suites run against: two teams (North in the callers' scope, South outside it),
 * one record of each kind per team, a key per role, and one probe per route — how an allowed
 * role calls the route so that it passes the role gate without starting real work.
 */
import { expect } from 'vitest';
import type { Role } from '../../db/schema.ts';
import {
  insertCustomer,
  insertOrder,
  insertProduct,
  seedTeams,
  type TeamWorld,
} from '../crm-fixtures.ts';
import type { TestEnv } from './harness.ts';

/** An id no table reaches. */
export const NOWHERE = 999_999_999;

/** The ids of the seeded records: N = North (in the callers' scope), S = South (outside it). */
export interface AccessIds {
  product: number;
  priceList: number;
  followupRule: number;
  customerN: number;
  customerS: number;
  /** A soft-deleted South customer, for restore. */
  deletedS: number;
  contactN: number;
  contactS: number;
  activityN: number;
  activityS: number;
  /** Owned by rep n1 / s1, with one line each, so winning them could create an order. */
  opportunityN: number;
  opportunityS: number;
  /** Owned by n2: in the North manager's scope, outside staff n1's own pipeline. */
  teammateOpportunity: number;
  quotaN: number;
  quotaS: number;
  /** Draft orders of customerN / customerS. */
  orderN: number;
  orderS: number;
}

/** The seeded records and the key each role calls with. */
export interface AccessWorld {
  world: TeamWorld;
  /** Keys tied to North reps, so North's records are in scope for every allowed role. */
  keyOf: Record<Role, string>;
  ids: AccessIds;
}

/** Create a record through the API as admin and return its id. */
export async function adminCreate(env: TestEnv, path: string, body: unknown): Promise<number> {
  const r = await env.request('POST', `/api/v1${path}`, { body });
  expect(r.status, `POST ${path}: ${r.text}`).toBeLessThan(300);
  return r.body.id as number;
}

/** One team's records, owned by `rep`. */
async function seedSide(env: TestEnv, rep: number, product: number) {
  const customer = await insertCustomer(env, { owner: rep });
  return {
    customer,
    contact: await adminCreate(env, `/customers/${customer}/contacts`, { name: 'C' }),
    activity: await adminCreate(env, '/activities', {
      type: 'task',
      subject: 'T',
      customerId: customer,
      ownerRepId: rep,
    }),
    opportunity: await adminCreate(env, '/opportunities', {
      customerId: customer,
      title: 'O',
      ownerRepId: rep,
      lines: [{ productId: product, quantity: 2 }],
    }),
    quota: await adminCreate(env, '/quotas', {
      repId: rep,
      periodType: 'year',
      periodStart: '2030-01-01',
      amount: '100',
    }),
    order: (await insertOrder(env, { customerId: customer, productId: product, status: 'draft' }))
      .id,
  };
}

/** Seed both teams' records (customers, contacts, activities, opportunities, quotas, orders). */
export async function seedAccessWorld(env: TestEnv): Promise<AccessWorld> {
  const world = await seedTeams(env);
  const keyOf: Record<Role, string> = {
    admin: env.keys.admin,
    manager: world.keys.managerN,
    staff: world.keys.staffN1,
    analyst: env.keys.analyst,
    executive: env.keys.executive,
  };
  const product = await insertProduct(env);
  const n = await seedSide(env, world.reps.n1, product);
  const s = await seedSide(env, world.reps.s1, product);
  const deletedS = await insertCustomer(env, { owner: world.reps.s1 });
  await env.ops.db
    .updateTable('customers')
    .set({ deleted_at: new Date() })
    .where('id', '=', deletedS)
    .execute();
  const ids: AccessIds = {
    product,
    priceList: await adminCreate(env, '/price-lists', { name: 'Probe list' }),
    followupRule: await adminCreate(env, '/followup-rules', {
      name: 'probe',
      trigger: 'customer_created',
      active: false,
      action: { activityType: 'task', subject: 'x' },
    }),
    customerN: n.customer,
    customerS: s.customer,
    deletedS,
    contactN: n.contact,
    contactS: s.contact,
    activityN: n.activity,
    activityS: s.activity,
    opportunityN: n.opportunity,
    opportunityS: s.opportunity,
    teammateOpportunity: await adminCreate(env, '/opportunities', {
      customerId: n.customer,
      title: 'Teammate',
      ownerRepId: world.reps.n2,
      lines: [{ productId: product, quantity: 1 }],
    }),
    quotaN: n.quota,
    quotaS: s.quota,
    orderN: n.order,
    orderS: s.order,
  };
  return { world, keyOf, ids };
}

/** How an allowed role probes a route: URL, body, and the status that proves it got past the gate. */
export interface Probe {
  url: string;
  body?: unknown;
  status: number;
}

/**
 * One probe per docs/access.md row. Reads must succeed; writes send an invalid body (400: past the role
 * gate, nothing written) or name a missing id (404). Nothing here may start real work: POST
 * /ingest/runs, /models/runs and /jobs/{name}/run get a body their strict schemas refuse, so no
 * run is queued.
 */
export function probesFor({ world, ids }: AccessWorld): Record<string, Probe> {
  const bogus = { __probe: true };
  const ok = (url: string): Probe => ({ url: `/api/v1${url}`, status: 200 });
  const invalid = (url: string): Probe => ({ url: `/api/v1${url}`, body: bogus, status: 400 });
  const missing = (url: string): Probe => ({ url: `/api/v1${url}`, status: 404 });
  // 503 "run salesops models build": the marts are not built here, and building them is the
  // reports suite's business; the answer still comes from past the role gate.
  const unbuilt = (url: string): Probe => ({ url: `/api/v1${url}`, status: 503 });
  const [c, p, pl, o] = [ids.customerN, ids.product, ids.priceList, ids.orderN];
  const no = NOWHERE;
  return {
    'GET /api/v1/me': ok('/me'),
    'GET /api/v1/api-keys': ok('/api-keys'),
    'POST /api/v1/api-keys': invalid('/api-keys'),
    'DELETE /api/v1/api-keys/{id}': missing(`/api-keys/${no}`),
    'GET /api/v1/users': ok('/users'),
    'POST /api/v1/users': invalid('/users'),
    'GET /api/v1/users/{id}': missing(`/users/${no}`),
    'POST /api/v1/users/{id}/disable': missing(`/users/${no}/disable`),
    'POST /api/v1/users/{id}/enable': missing(`/users/${no}/enable`),
    'POST /api/v1/users/{id}/reset-password': missing(`/users/${no}/reset-password`),
    // catalog
    'GET /api/v1/categories': ok('/categories'),
    'POST /api/v1/categories': invalid('/categories'),
    'PATCH /api/v1/categories/{id}': invalid(`/categories/${no}`),
    'DELETE /api/v1/categories/{id}': missing(`/categories/${no}`),
    'GET /api/v1/products': ok('/products'),
    'POST /api/v1/products': invalid('/products'),
    'GET /api/v1/products/{id}': ok(`/products/${p}`),
    'PATCH /api/v1/products/{id}': invalid(`/products/${p}`),
    'DELETE /api/v1/products/{id}': missing(`/products/${no}`),
    'GET /api/v1/products/{id}/price-history': ok(`/products/${p}/price-history`),
    'GET /api/v1/products/{id}/price': ok(`/products/${p}/price?customerId=${c}`),
    // 503 "the segment job computes them": no segment run has written to the warehouse here.
    'GET /api/v1/products/{id}/price-suggestion': unbuilt(`/products/${p}/price-suggestion`),
    'GET /api/v1/price-suggestions': unbuilt('/price-suggestions'),
    'GET /api/v1/price-lists': ok('/price-lists'),
    'POST /api/v1/price-lists': invalid('/price-lists'),
    'GET /api/v1/price-lists/{id}': ok(`/price-lists/${pl}`),
    'PATCH /api/v1/price-lists/{id}': invalid(`/price-lists/${pl}`),
    'DELETE /api/v1/price-lists/{id}': missing(`/price-lists/${no}`),
    'GET /api/v1/price-lists/{id}/items': ok(`/price-lists/${pl}/items`),
    'POST /api/v1/price-lists/{id}/items': invalid(`/price-lists/${pl}/items`),
    'PATCH /api/v1/price-lists/{id}/items/{itemId}': invalid(`/price-lists/${pl}/items/${no}`),
    'DELETE /api/v1/price-lists/{id}/items/{itemId}': missing(`/price-lists/${pl}/items/${no}`),
    // inventory
    'GET /api/v1/warehouses': ok('/warehouses'),
    'POST /api/v1/warehouses': invalid('/warehouses'),
    'PATCH /api/v1/warehouses/{id}': invalid(`/warehouses/${no}`),
    'GET /api/v1/stock': ok('/stock'),
    'POST /api/v1/stock/movements': invalid('/stock/movements'),
    'GET /api/v1/stock/movements': ok('/stock/movements'),
    'GET /api/v1/reorder-rules': ok('/reorder-rules'),
    'POST /api/v1/reorder-rules': invalid('/reorder-rules'),
    'PATCH /api/v1/reorder-rules/{id}': invalid(`/reorder-rules/${no}`),
    'DELETE /api/v1/reorder-rules/{id}': missing(`/reorder-rules/${no}`),
    'GET /api/v1/alerts': ok('/alerts'),
    'POST /api/v1/alerts/{id}/acknowledge': missing(`/alerts/${no}/acknowledge`),
    // orders
    'GET /api/v1/orders': ok('/orders'),
    'POST /api/v1/orders': invalid('/orders'),
    'GET /api/v1/orders/{id}': ok(`/orders/${o}`),
    'GET /api/v1/orders/{id}/timeline': ok(`/orders/${o}/timeline`),
    'POST /api/v1/orders/{id}/confirm': missing(`/orders/${no}/confirm`),
    'POST /api/v1/orders/{id}/approve': missing(`/orders/${no}/approve`),
    'POST /api/v1/orders/{id}/ship': missing(`/orders/${no}/ship`),
    'POST /api/v1/orders/{id}/deliver': missing(`/orders/${no}/deliver`),
    'POST /api/v1/orders/{id}/cancel': missing(`/orders/${no}/cancel`),
    'POST /api/v1/orders/{id}/return': invalid(`/orders/${o}/return`),
    // the event feed; a stream answers until the client leaves, so its probe sends a type
    // pattern it refuses: a 400 from past the role gate, and the answer ends.
    'GET /api/v1/events': ok('/events'),
    'GET /api/v1/events/stream': { url: '/api/v1/events/stream?types=*', status: 400 },
    'GET /api/v1/order-rules': ok('/order-rules'),
    'POST /api/v1/order-rules': invalid('/order-rules'),
    'GET /api/v1/order-rules/{id}': ok('/order-rules/credit-limit'),
    'PATCH /api/v1/order-rules/{id}': invalid('/order-rules/credit-limit'),
    'DELETE /api/v1/order-rules/{id}': missing('/order-rules/no-such-rule'),
    // CRM
    'GET /api/v1/customers': ok('/customers'),
    'POST /api/v1/customers': invalid('/customers'),
    'GET /api/v1/customers/{id}': ok(`/customers/${c}`),
    'PATCH /api/v1/customers/{id}': invalid(`/customers/${c}`),
    'DELETE /api/v1/customers/{id}': missing(`/customers/${no}`),
    'POST /api/v1/customers/{id}/restore': missing(`/customers/${no}/restore`),
    'GET /api/v1/customers/{id}/timeline': ok(`/customers/${c}/timeline`),
    'GET /api/v1/customers/{id}/contacts': ok(`/customers/${c}/contacts`),
    'POST /api/v1/customers/{id}/contacts': invalid(`/customers/${c}/contacts`),
    'PATCH /api/v1/customers/{id}/contacts/{contactId}': invalid(
      `/customers/${c}/contacts/${ids.contactN}`,
    ),
    'DELETE /api/v1/customers/{id}/contacts/{contactId}': missing(`/customers/${c}/contacts/${no}`),
    'GET /api/v1/activities': ok('/activities'),
    'POST /api/v1/activities': invalid('/activities'),
    'GET /api/v1/activities/{id}': ok(`/activities/${ids.activityN}`),
    'PATCH /api/v1/activities/{id}': invalid(`/activities/${ids.activityN}`),
    'DELETE /api/v1/activities/{id}': missing(`/activities/${no}`),
    'GET /api/v1/followup-rules': ok('/followup-rules'),
    'POST /api/v1/followup-rules': invalid('/followup-rules'),
    'GET /api/v1/followup-rules/{id}': ok(`/followup-rules/${ids.followupRule}`),
    'PATCH /api/v1/followup-rules/{id}': invalid(`/followup-rules/${ids.followupRule}`),
    'DELETE /api/v1/followup-rules/{id}': missing(`/followup-rules/${no}`),
    'POST /api/v1/followup-rules/apply': ok('/followup-rules/apply'),
    'GET /api/v1/opportunities': ok('/opportunities'),
    'POST /api/v1/opportunities': invalid('/opportunities'),
    'GET /api/v1/opportunities/{id}': ok(`/opportunities/${ids.opportunityN}`),
    'PATCH /api/v1/opportunities/{id}': invalid(`/opportunities/${ids.opportunityN}`),
    'DELETE /api/v1/opportunities/{id}': missing(`/opportunities/${no}`),
    'GET /api/v1/reps': ok('/reps'),
    'POST /api/v1/reps': invalid('/reps'),
    'GET /api/v1/reps/{id}': ok(`/reps/${world.reps.n1}`),
    'PATCH /api/v1/reps/{id}': invalid(`/reps/${world.reps.n1}`),
    'GET /api/v1/teams': ok('/teams'),
    'POST /api/v1/teams': invalid('/teams'),
    'GET /api/v1/teams/{id}': ok(`/teams/${world.north}`),
    'PATCH /api/v1/teams/{id}': invalid(`/teams/${world.north}`),
    'GET /api/v1/quotas': ok('/quotas'),
    'POST /api/v1/quotas': invalid('/quotas'),
    'GET /api/v1/quotas/{id}': ok(`/quotas/${ids.quotaN}`),
    'PATCH /api/v1/quotas/{id}': invalid(`/quotas/${ids.quotaN}`),
    'DELETE /api/v1/quotas/{id}': missing(`/quotas/${no}`),
    'GET /api/v1/audit': ok('/audit'),
    // warehouse: models, reports, ingest
    'GET /api/v1/models': unbuilt('/models'),
    'GET /api/v1/models/{name}': unbuilt('/models/no_such_model'),
    'GET /api/v1/reports/sales': unbuilt('/reports/sales'),
    'GET /api/v1/reports/team': unbuilt('/reports/team'),
    'GET /api/v1/reports/inventory': unbuilt('/reports/inventory'),
    'GET /api/v1/dashboards': ok('/dashboards'),
    'GET /api/v1/dashboards/{id}': ok('/dashboards/executive'),
    'GET /api/v1/dashboards/{id}/panels/{panel}/data': unbuilt(
      '/dashboards/executive/panels/revenue/data',
    ),
    'GET /api/v1/dashboards/{id}/panels/{panel}.svg': unbuilt(
      '/dashboards/executive/panels/revenue.svg',
    ),
    'GET /api/v1/dashboards/{id}/panels/{panel}.png': unbuilt(
      '/dashboards/executive/panels/revenue.png',
    ),
    'GET /api/v1/dashboards/{id}/panels/{panel}.json': unbuilt(
      '/dashboards/executive/panels/revenue.json',
    ),
    'GET /api/v1/dashboards/{id}/panels/{panel}/rows': unbuilt(
      '/dashboards/executive/panels/revenue/rows',
    ),
    'GET /api/v1/reports/snapshots/{id}.png': missing(`/reports/snapshots/${no}.png`),
    'POST /api/v1/sql': invalid('/sql'),
    'GET /api/v1/sql/history': ok('/sql/history'),
    'GET /api/v1/sql/schema': ok('/sql/schema'),
    'GET /api/v1/sql/saved': ok('/sql/saved'),
    'POST /api/v1/sql/saved': invalid('/sql/saved'),
    'GET /api/v1/sql/saved/{id}': missing(`/sql/saved/${no}`),
    'PATCH /api/v1/sql/saved/{id}': invalid(`/sql/saved/${no}`),
    'DELETE /api/v1/sql/saved/{id}': missing(`/sql/saved/${no}`),
    'POST /api/v1/sql/saved/{id}/run': invalid(`/sql/saved/${no}/run`),
    'GET /api/v1/ingest/runs': ok('/ingest/runs'),
    'POST /api/v1/ingest/runs': invalid('/ingest/runs'),
    'GET /api/v1/ingest/runs/{id}': missing(`/ingest/runs/${no}`),
    'POST /api/v1/models/runs': invalid('/models/runs'),
    'GET /api/v1/models/runs/{id}': missing(`/models/runs/${no}`),
    // jobs (the suite runs the job runtime; its probes queue nothing)
    'GET /api/v1/jobs': ok('/jobs'),
    'GET /api/v1/jobs/runs/{id}': missing(`/jobs/runs/${no}`),
    'GET /api/v1/jobs/{name}/runs': ok('/jobs/ingest/runs'),
    'POST /api/v1/jobs/{name}/run': invalid('/jobs/ingest/run'),
    'GET /api/v1/warehouse/freshness': ok('/warehouse/freshness'),
    // webhooks (admin)
    'GET /api/v1/webhooks': ok('/webhooks'),
    'POST /api/v1/webhooks': invalid('/webhooks'),
    'GET /api/v1/webhooks/{id}': missing(`/webhooks/${no}`),
    'PATCH /api/v1/webhooks/{id}': invalid(`/webhooks/${no}`),
    'DELETE /api/v1/webhooks/{id}': missing(`/webhooks/${no}`),
    'POST /api/v1/webhooks/{id}/rotate-secret': missing(`/webhooks/${no}/rotate-secret`),
    'GET /api/v1/webhooks/{id}/deliveries': missing(`/webhooks/${no}/deliveries`),
    'POST /api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver': missing(
      `/webhooks/${no}/deliveries/${no}/redeliver`,
    ),
  };
}

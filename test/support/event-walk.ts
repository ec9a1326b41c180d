/**
 * What the events suites need: reading what the outbox published, and one valid admin request
 * per write route of docs/access.md — each with the records it acts on made first, through the
 * API, so the request itself records exactly its own events.
 */
import { sql } from 'kysely';
import { expect } from 'vitest';
import { publishAll } from '../../api/events/publish.ts';
import type { TestEnv } from './harness.ts';

let seq = 0;
/** A short unique suffix for codes and names. */
export const uniq = (prefix: string) =>
  `${prefix}-${process.pid}-${++seq}-${Math.random().toString(36).slice(2, 6)}`;

/** A published event as the suites read it. */
export interface SeenEvent {
  id: number;
  type: string;
  entityType: string;
  entityId: string;
  customerId: number | null;
  schemaVersion: number;
  payload: Record<string, any>;
  actorKeyId: number | null;
  actorUserId: number | null;
}

/** Publish, then every event numbered above `after`, oldest first. */
export async function eventsAfter(env: TestEnv, after: number): Promise<SeenEvent[]> {
  await publishAll(env.ops.db);
  const rows = await env.ops.db
    .selectFrom('events')
    .selectAll()
    .where('id', '>', after)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    type: r.type,
    entityType: r.entity_type,
    entityId: r.entity_id,
    customerId: r.customer_id === null ? null : Number(r.customer_id),
    schemaVersion: r.schema_version,
    payload: r.payload as Record<string, any>,
    actorKeyId: r.actor_key_id === null ? null : Number(r.actor_key_id),
    actorUserId: r.actor_user_id === null ? null : Number(r.actor_user_id),
  }));
}

/** Publish, then the newest event id (0 when none). */
export async function lastEventId(env: TestEnv): Promise<number> {
  await publishAll(env.ops.db);
  const r = await sql<{ id: string | null }>`SELECT max(id)::text AS id FROM events`.execute(
    env.ops.db,
  );
  return Number(r.rows[0]?.id ?? 0);
}

/** Wait until no job run is queued or running (a queued run and the runs it chains). */
export async function jobsIdle(env: TestEnv): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const busy = await env.ops.db
      .selectFrom('job_runs')
      .select('id')
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirst();
    if (!busy) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('job runs did not end within a minute');
}

/** An admin call that must succeed; its answer's body. */
export async function ok(env: TestEnv, method: string, path: string, body?: unknown) {
  const r = await env.request(method, `/api/v1${path}`, { body });
  expect(r.status, `${method} ${path}: ${r.text.slice(0, 300)}`).toBeLessThan(300);
  return r.body;
}

/** The stock and people the walk's requests start from. */
export interface WalkWorld {
  env: TestEnv;
  warehouseId: number;
  /** 10.00, 10,000 in stock, no reorder rule. */
  productId: number;
  /** 30,000.00 (above the default approval threshold), 100 in stock, no reorder rule. */
  bigProductId: number;
  customerId: number;
}

/** Seed the walk's warehouse, products (in stock) and customer. */
export async function seedWalk(env: TestEnv): Promise<WalkWorld> {
  const warehouseId = (await ok(env, 'POST', '/warehouses', { code: uniq('W'), name: 'Main' })).id;
  const product = (listPrice: string) =>
    ok(env, 'POST', '/products', { sku: uniq('SKU'), name: 'P', listPrice, cost: '4.00' });
  const productId = (await product('10.00')).id;
  const bigProductId = (await product('30000.00')).id;
  for (const [p, quantity] of [
    [productId, 10_000],
    [bigProductId, 100],
  ])
    await ok(env, 'POST', '/stock/movements', {
      type: 'receipt',
      productId: p,
      warehouseId,
      quantity,
    });
  const customerId = (await ok(env, 'POST', '/customers', { code: uniq('C'), name: 'Walk' })).id;
  return { env, warehouseId, productId, bigProductId, customerId };
}

/** The actions that bring a new order to each status. */
const PATH: Record<string, string[]> = {
  draft: [],
  pending_approval: ['confirm'],
  confirmed: ['confirm'],
  shipped: ['confirm', 'ship'],
  delivered: ['confirm', 'ship', 'deliver'],
};

/** An order of 2 × the walk's product (the big one for approval), moved into `status`. */
export async function orderIn(w: WalkWorld, status: string, productId = w.productId) {
  const product = status === 'pending_approval' ? w.bigProductId : productId;
  let order = await ok(w.env, 'POST', '/orders', {
    customerId: w.customerId,
    lines: [{ productId: product, quantity: 2 }],
  });
  for (const action of PATH[status]!)
    order = await ok(w.env, 'POST', `/orders/${order.id}/${action}`);
  expect(order.status).toBe(status);
  return order;
}

/** A request to make: the URL under /api/v1 and its body. */
export interface WalkRequest {
  url: string;
  body?: unknown;
}

type Setup = (w: WalkWorld) => Promise<WalkRequest>;

const id = async (w: WalkWorld, path: string, body: unknown) =>
  (await ok(w.env, 'POST', path, body)).id as number;
const category = (w: WalkWorld) => id(w, '/categories', { name: uniq('Cat') });
const product = (w: WalkWorld) =>
  id(w, '/products', { sku: uniq('SKU'), name: 'P', listPrice: '5.00' });
const priceList = (w: WalkWorld) => id(w, '/price-lists', { name: uniq('List') });
const customer = (w: WalkWorld) => id(w, '/customers', { code: uniq('C'), name: 'C' });
const rep = (w: WalkWorld) => id(w, '/reps', { code: uniq('R'), name: 'R' });
const user = (w: WalkWorld) =>
  id(w, '/users', { email: `${uniq('u')}@example.com`, role: 'analyst' });
const saved = (w: WalkWorld) => id(w, '/sql/saved', { name: uniq('q'), sql: 'SELECT 1' });
async function priceListItem(w: WalkWorld) {
  const list = await priceList(w);
  return {
    list,
    item: await id(w, `/price-lists/${list}/items`, { productId: w.productId, unitPrice: '9.00' }),
  };
}
async function contact(w: WalkWorld) {
  const c = await customer(w);
  return { c, contact: await id(w, `/customers/${c}/contacts`, { name: 'Ann' }) };
}
const reorderRule = async (w: WalkWorld) =>
  id(w, '/reorder-rules', {
    productId: await product(w),
    warehouseId: w.warehouseId,
    reorderPoint: 5,
    reorderQuantity: 10,
  });
const activity = (w: WalkWorld) =>
  id(w, '/activities', { type: 'task', subject: 'S', customerId: w.customerId });
const followupRule = (w: WalkWorld) =>
  id(w, '/followup-rules', {
    name: uniq('rule'),
    trigger: 'customer_created',
    active: false,
    action: { activityType: 'task', subject: 'x' },
  });
const opportunity = (w: WalkWorld) =>
  id(w, '/opportunities', { customerId: w.customerId, title: 'O' });
const quota = async (w: WalkWorld) =>
  id(w, '/quotas', {
    repId: await rep(w),
    periodType: 'year',
    periodStart: '2031-01-01',
    amount: '100',
  });
const orderRule = async (w: WalkWorld) => {
  const rule = uniq('walk').toLowerCase();
  await ok(w.env, 'POST', '/order-rules', {
    id: rule,
    kind: 'minimum_order_value',
    params: { amount: '1.00' },
    active: false,
  });
  return rule;
};

/**
 * Where the walk's webhooks point: nothing listens on port 9 here, so a delivery fails at once
 * and never leaves the machine (the suite allows private addresses for it).
 */
const WALK_HOOK_URL = 'http://127.0.0.1:9/walk';
/** A webhook; by default of a type nothing records, so it gets no deliveries. */
const webhook = (w: WalkWorld, eventTypes = ['walk.nothing']) =>
  id(w, '/webhooks', { url: WALK_HOOK_URL, eventTypes });
/**
 * A delivery that can be requeued: a webhook taking its own events gets its webhook.created from
 * the dispatcher; once that first attempt has failed, the next waits tens of seconds.
 */
async function failedDelivery(w: WalkWorld) {
  const hook = await webhook(w, ['webhook.*']);
  for (let i = 0; i < 300; i++) {
    const [d] = (await ok(w.env, 'GET', `/webhooks/${hook}/deliveries`)).items;
    if (d?.status === 'pending' && d.attemptCount >= 1) return { hook, delivery: d.id as number };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the dispatcher made no failed attempt within 30 s');
}

/**
 * One valid admin request per write route of docs/access.md (POST, PUT, PATCH, DELETE). A route
 * missing here fails the walk: a new write route cannot go unchecked.
 */
export const WALK: Record<string, Setup> = {
  'POST /api/v1/api-keys': async () => ({
    url: '/api-keys',
    body: { name: 'walk', role: 'analyst' },
  }),
  'DELETE /api/v1/api-keys/{id}': async (w) => ({
    url: `/api-keys/${await id(w, '/api-keys', { name: 'gone', role: 'analyst' })}`,
  }),
  'POST /api/v1/users': async () => ({
    url: '/users',
    body: { email: `${uniq('new')}@example.com`, role: 'analyst' },
  }),
  'POST /api/v1/users/{id}/disable': async (w) => ({ url: `/users/${await user(w)}/disable` }),
  'POST /api/v1/users/{id}/enable': async (w) => {
    const u = await user(w);
    await ok(w.env, 'POST', `/users/${u}/disable`);
    return { url: `/users/${u}/enable` };
  },
  'POST /api/v1/users/{id}/reset-password': async (w) => ({
    url: `/users/${await user(w)}/reset-password`,
  }),
  'POST /api/v1/categories': async () => ({ url: '/categories', body: { name: uniq('Cat') } }),
  'PATCH /api/v1/categories/{id}': async (w) => ({
    url: `/categories/${await category(w)}`,
    body: { name: uniq('Renamed') },
  }),
  'DELETE /api/v1/categories/{id}': async (w) => ({ url: `/categories/${await category(w)}` }),
  'POST /api/v1/products': async () => ({
    url: '/products',
    body: { sku: uniq('SKU'), name: 'New', listPrice: '12.50', cost: '7.00' },
  }),
  'PATCH /api/v1/products/{id}': async (w) => ({
    url: `/products/${await product(w)}`,
    body: { name: 'Renamed', listPrice: '6.00' },
  }),
  'DELETE /api/v1/products/{id}': async (w) => ({ url: `/products/${await product(w)}` }),
  'POST /api/v1/price-lists': async () => ({ url: '/price-lists', body: { name: uniq('List') } }),
  'PATCH /api/v1/price-lists/{id}': async (w) => ({
    url: `/price-lists/${await priceList(w)}`,
    body: { name: uniq('Renamed') },
  }),
  'DELETE /api/v1/price-lists/{id}': async (w) => ({ url: `/price-lists/${await priceList(w)}` }),
  'POST /api/v1/price-lists/{id}/items': async (w) => ({
    url: `/price-lists/${await priceList(w)}/items`,
    body: { productId: w.productId, unitPrice: '9.50', minQuantity: 10 },
  }),
  'PATCH /api/v1/price-lists/{id}/items/{itemId}': async (w) => {
    const { list, item } = await priceListItem(w);
    return { url: `/price-lists/${list}/items/${item}`, body: { unitPrice: '8.25' } };
  },
  'DELETE /api/v1/price-lists/{id}/items/{itemId}': async (w) => {
    const { list, item } = await priceListItem(w);
    return { url: `/price-lists/${list}/items/${item}` };
  },
  'POST /api/v1/warehouses': async () => ({
    url: '/warehouses',
    body: { code: uniq('W'), name: 'Second', city: 'Lyon' },
  }),
  'PATCH /api/v1/warehouses/{id}': async (w) => ({
    url: `/warehouses/${await id(w, '/warehouses', { code: uniq('W'), name: 'Other' })}`,
    body: { name: 'Renamed' },
  }),
  'POST /api/v1/stock/movements': async (w) => ({
    url: '/stock/movements',
    body: { type: 'receipt', productId: w.productId, warehouseId: w.warehouseId, quantity: 5 },
  }),
  'POST /api/v1/reorder-rules': async (w) => ({
    url: '/reorder-rules',
    body: {
      productId: await product(w),
      warehouseId: w.warehouseId,
      reorderPoint: 3,
      reorderQuantity: 20,
    },
  }),
  'PATCH /api/v1/reorder-rules/{id}': async (w) => ({
    url: `/reorder-rules/${await reorderRule(w)}`,
    body: { reorderPoint: 4 },
  }),
  'DELETE /api/v1/reorder-rules/{id}': async (w) => ({
    url: `/reorder-rules/${await reorderRule(w)}`,
  }),
  'POST /api/v1/alerts/{id}/acknowledge': async (w) => {
    const alert = await w.env.ops.db
      .insertInto('alerts')
      .values({ kind: 'stock.low', message: 'walk', payload: '{}' })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { url: `/alerts/${alert.id}/acknowledge` };
  },
  'POST /api/v1/orders': async (w) => ({
    url: '/orders',
    body: {
      customerId: w.customerId,
      notes: 'walk',
      lines: [
        { productId: w.productId, quantity: 3, discount: '0.1' },
        { productId: w.productId, quantity: 1, unitPrice: '9.999' },
      ],
    },
  }),
  'POST /api/v1/orders/{id}/confirm': async (w) => ({
    url: `/orders/${(await orderIn(w, 'draft')).id}/confirm`,
  }),
  'POST /api/v1/orders/{id}/approve': async (w) => ({
    url: `/orders/${(await orderIn(w, 'pending_approval')).id}/approve`,
  }),
  'POST /api/v1/orders/{id}/ship': async (w) => ({
    url: `/orders/${(await orderIn(w, 'confirmed')).id}/ship`,
  }),
  'POST /api/v1/orders/{id}/deliver': async (w) => ({
    url: `/orders/${(await orderIn(w, 'shipped')).id}/deliver`,
  }),
  'POST /api/v1/orders/{id}/cancel': async (w) => ({
    url: `/orders/${(await orderIn(w, 'draft')).id}/cancel`,
    body: { reason: 'changed their mind' },
  }),
  'POST /api/v1/orders/{id}/return': async (w) => {
    const order = await orderIn(w, 'delivered');
    return {
      url: `/orders/${order.id}/return`,
      body: { lines: [{ lineId: order.lines[0].id, quantity: 1 }], reason: 'broken' },
    };
  },
  'POST /api/v1/order-rules': async () => ({
    url: '/order-rules',
    body: {
      id: uniq('new').toLowerCase(),
      kind: 'minimum_order_value',
      params: { amount: '5.00' },
      active: false,
    },
  }),
  'PATCH /api/v1/order-rules/{id}': async (w) => ({
    url: `/order-rules/${await orderRule(w)}`,
    body: { description: 'walked' },
  }),
  'DELETE /api/v1/order-rules/{id}': async (w) => ({ url: `/order-rules/${await orderRule(w)}` }),
  'POST /api/v1/customers': async () => ({
    url: '/customers',
    body: { code: uniq('C'), name: 'New customer', tags: ['walk'] },
  }),
  'PATCH /api/v1/customers/{id}': async (w) => ({
    url: `/customers/${await customer(w)}`,
    body: { name: 'Renamed' },
  }),
  'DELETE /api/v1/customers/{id}': async (w) => ({ url: `/customers/${await customer(w)}` }),
  'POST /api/v1/customers/{id}/restore': async (w) => {
    const c = await customer(w);
    const r = await w.env.request('DELETE', `/api/v1/customers/${c}`);
    expect(r.status).toBe(204);
    return { url: `/customers/${c}/restore` };
  },
  'POST /api/v1/customers/{id}/contacts': async (w) => ({
    url: `/customers/${await customer(w)}/contacts`,
    body: { name: 'Ann', email: 'ann@example.com' },
  }),
  'PATCH /api/v1/customers/{id}/contacts/{contactId}': async (w) => {
    const { c, contact: k } = await contact(w);
    return { url: `/customers/${c}/contacts/${k}`, body: { role: 'buyer' } };
  },
  'DELETE /api/v1/customers/{id}/contacts/{contactId}': async (w) => {
    const { c, contact: k } = await contact(w);
    return { url: `/customers/${c}/contacts/${k}` };
  },
  'POST /api/v1/activities': async (w) => ({
    url: '/activities',
    body: { type: 'call', subject: 'Call', customerId: w.customerId },
  }),
  'PATCH /api/v1/activities/{id}': async (w) => ({
    url: `/activities/${await activity(w)}`,
    body: { subject: 'Renamed' },
  }),
  'DELETE /api/v1/activities/{id}': async (w) => ({ url: `/activities/${await activity(w)}` }),
  'POST /api/v1/followup-rules': async () => ({
    url: '/followup-rules',
    body: {
      name: uniq('rule'),
      trigger: 'customer_created',
      active: false,
      action: { activityType: 'task', subject: 'Welcome' },
    },
  }),
  'PATCH /api/v1/followup-rules/{id}': async (w) => ({
    url: `/followup-rules/${await followupRule(w)}`,
    body: { name: uniq('renamed') },
  }),
  'DELETE /api/v1/followup-rules/{id}': async (w) => ({
    url: `/followup-rules/${await followupRule(w)}`,
  }),
  // No active rule: applying creates nothing (the cases where one fires are their own tests).
  'POST /api/v1/followup-rules/apply': async () => ({ url: '/followup-rules/apply' }),
  'POST /api/v1/opportunities': async (w) => ({
    url: '/opportunities',
    body: {
      customerId: w.customerId,
      title: 'Deal',
      lines: [{ productId: w.productId, quantity: 4 }],
    },
  }),
  'PATCH /api/v1/opportunities/{id}': async (w) => ({
    url: `/opportunities/${await opportunity(w)}`,
    body: { title: 'Renamed' },
  }),
  'DELETE /api/v1/opportunities/{id}': async (w) => ({
    url: `/opportunities/${await opportunity(w)}`,
  }),
  'POST /api/v1/reps': async () => ({ url: '/reps', body: { code: uniq('R'), name: 'Rep' } }),
  'PATCH /api/v1/reps/{id}': async (w) => ({
    url: `/reps/${await rep(w)}`,
    body: { name: 'Renamed' },
  }),
  'POST /api/v1/teams': async () => ({ url: '/teams', body: { name: uniq('Team') } }),
  'PATCH /api/v1/teams/{id}': async (w) => ({
    url: `/teams/${await id(w, '/teams', { name: uniq('Team') })}`,
    body: { name: uniq('Renamed') },
  }),
  'POST /api/v1/quotas': async (w) => ({
    url: '/quotas',
    body: { repId: await rep(w), periodType: 'quarter', periodStart: '2031-04-01', amount: '500' },
  }),
  'PATCH /api/v1/quotas/{id}': async (w) => ({
    url: `/quotas/${await quota(w)}`,
    body: { amount: '250' },
  }),
  'DELETE /api/v1/quotas/{id}': async (w) => ({ url: `/quotas/${await quota(w)}` }),
  'POST /api/v1/sql': async () => ({ url: '/sql', body: { sql: 'SELECT 1 AS one' } }),
  'POST /api/v1/sql/saved': async () => ({
    url: '/sql/saved',
    body: { name: uniq('q'), sql: 'SELECT 2' },
  }),
  'PATCH /api/v1/sql/saved/{id}': async (w) => ({
    url: `/sql/saved/${await saved(w)}`,
    body: { name: uniq('renamed') },
  }),
  'DELETE /api/v1/sql/saved/{id}': async (w) => ({ url: `/sql/saved/${await saved(w)}` }),
  'POST /api/v1/sql/saved/{id}/run': async (w) => ({
    url: `/sql/saved/${await saved(w)}/run`,
    body: {},
  }),
  'POST /api/v1/webhooks': async () => ({
    url: '/webhooks',
    body: { url: WALK_HOOK_URL, eventTypes: ['walk.nothing'] },
  }),
  'PATCH /api/v1/webhooks/{id}': async (w) => ({
    url: `/webhooks/${await webhook(w)}`,
    body: { description: 'renamed' },
  }),
  'DELETE /api/v1/webhooks/{id}': async (w) => ({ url: `/webhooks/${await webhook(w)}` }),
  'POST /api/v1/webhooks/{id}/rotate-secret': async (w) => ({
    url: `/webhooks/${await webhook(w)}/rotate-secret`,
  }),
  'POST /api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver': async (w) => {
    const { hook, delivery } = await failedDelivery(w);
    return { url: `/webhooks/${hook}/deliveries/${delivery}/redeliver` };
  },
  // The job routes queue real runs: the suite waits for them (and what they chain) to end.
  'POST /api/v1/ingest/runs': async () => ({ url: '/ingest/runs', body: { tables: ['teams'] } }),
  'POST /api/v1/models/runs': async () => ({
    url: '/models/runs',
    body: { command: 'run', select: ['stg_teams'] },
  }),
  'POST /api/v1/jobs/{name}/run': async () => ({ url: '/jobs/stock-alerts/run', body: {} }),
};

/** The write routes that queue job runs, whose jobs may record events of their own (no actor). */
export const QUEUES_RUNS = new Set([
  'POST /api/v1/ingest/runs',
  'POST /api/v1/models/runs',
  'POST /api/v1/jobs/{name}/run',
]);

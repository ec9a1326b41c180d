/**
 * Every write route records the events docs/events.md says it does, no more and no fewer. The
 * routes come from the role matrix (docs/access.md, test/support/access-matrix.ts), so a new
 * write route fails here until the catalogue lists its events or says why it records none; the
 * expectations come from the catalogue table itself (test/support/event-catalogue.ts), so the
 * page and the app cannot drift. Each route is called once with a valid request as admin, over
 * HTTP, and what it recorded is read after the publisher numbered it; each "(when …)" case of
 * the catalogue is brought about once too. Payloads are the route's answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMatrix } from './support/access-matrix.ts';
import {
  eventsByRoute,
  expectedTypes,
  readCatalogue,
  readNoEventRoutes,
} from './support/event-catalogue.ts';
import { ok, orderIn, seedWalk, uniq, type WalkWorld } from './support/event-walk.ts';
import { eventsAfter, jobsIdle, lastEventId, type SeenEvent } from './support/seen-events.ts';
import { QUEUES_RUNS, WALK } from './support/walk-requests.ts';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';

const CATALOGUE = readCatalogue();
const BY_ROUTE = eventsByRoute(CATALOGUE);
const NO_EVENTS = readNoEventRoutes();
const WRITES = readMatrix().filter((r) => r.method !== 'GET');

/**
 * Answer fields that are never in an event: one-time secrets (an API key, a set-password link, a
 * webhook's secret), the history lists, and a user's `hasPassword` (named like a secret, so the
 * outbox's check refuses it: docs/events.md).
 */
const ANSWER_ONLY = [
  'key',
  'setPasswordUrl',
  'expiresAt',
  'events',
  'stageHistory',
  'hasPassword',
  'secret', // a webhook's signing secret
];
/** The outbox's rule for secret field names (api/events/outbox.ts), and the answers' own. */
const SECRET_NAME =
  /(secret|password|token|apiKey|api_key|key_hash|keyHash)$|^key$|^setPasswordUrl$/i;

/** Every field name in a JSON value, at any depth. */
function fieldNames(v: unknown): string[] {
  if (v === null || typeof v !== 'object') return [];
  return Object.entries(v).flatMap(([k, x]) => [k, ...fieldNames(x)]);
}
/** Payload fields beyond the answer: what changed (docs/events.md). */
const EVENT_ONLY = ['transition', 'previousStage'];
/** Entities that belong to a customer: their events carry its id. */
const CUSTOMER_OWNED = ['order', 'contact', 'activity', 'opportunity', 'customer'];

function without(o: Record<string, unknown>, keys: readonly string[]) {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
}

describe('events: the catalogue (docs/events.md)', () => {
  it('names each type once, and every route it names is a write route of the role matrix', () => {
    const types = CATALOGUE.map((r) => r.type);
    expect(types.filter((t, i) => types.indexOf(t) !== i)).toEqual([]);
    const writes = new Set(WRITES.map((r) => r.route));
    const named = [...BY_ROUTE.keys(), ...NO_EVENTS.keys()];
    expect(named.filter((r) => !writes.has(r))).toEqual([]);
  });

  it('lists every write route of the role matrix: with its events, or among those that record none, not both', () => {
    const both = [...NO_EVENTS.keys()].filter((r) => BY_ROUTE.has(r));
    expect(both, 'in the catalogue and among the routes without events').toEqual([]);
    const missing = WRITES.map((r) => r.route).filter((r) => !BY_ROUTE.has(r) && !NO_EVENTS.has(r));
    expect(missing, 'write routes docs/events.md says nothing about').toEqual([]);
    expect(
      WRITES.map((r) => r.route).filter((r) => !WALK[r]),
      'routes without a walk request',
    ).toEqual([]);
  });
});

describeBoth('events: every write route records its catalogue events', (kind) => {
  let env: TestEnv;
  let w: WalkWorld;
  let adminKeyId: number;

  beforeAll(async () => {
    // The job runtime runs (POST /jobs/… and /ingest/runs queue real runs), never on its own.
    // The walk's webhooks point at a closed port of this machine (test/support/walk-crm.ts).
    env = await startTestEnv(kind, {
      jobs: true,
      env: { SALESOPS_SCHEDULER: 'off', SALESOPS_WEBHOOK_ALLOW_PRIVATE: 'true' },
    });
    await jobsIdle(env);
    w = await seedWalk(env);
    const key = await env.ops.db
      .selectFrom('api_keys')
      .select('id')
      .where('name', '=', 'test-admin')
      .executeTakeFirstOrThrow();
    adminKeyId = key.id;
  });
  afterAll(async () => {
    await env?.close();
  });

  /** Call `method url` as admin; the answer and the events it recorded. */
  async function recorded(method: string, url: string, body?: unknown) {
    const after = await lastEventId(env);
    const res = await env.request(method, `/api/v1${url}`, { body });
    expect(res.status, `${method} ${url}: ${res.text.slice(0, 300)}`).toBeLessThan(300);
    await jobsIdle(env);
    const all = await eventsAfter(env, after);
    return { res, all, mine: all.filter((e) => e.actorKeyId === adminKeyId) };
  }

  /** What every event of a request must be: its actor, its customer, a payload without secrets. */
  function checkEnvelope(e: SeenEvent) {
    expect(e.schemaVersion).toBe(1);
    expect(e.actorUserId).toBeNull(); // an API key of no user
    if (CUSTOMER_OWNED.includes(e.entityType)) {
      const owner = e.entityType === 'customer' ? e.payload.id : e.payload.customerId;
      expect(e.customerId, `${e.type}: customerId`).toBe(owner ?? null);
      if (e.entityType !== 'activity') expect(e.customerId, e.type).not.toBeNull();
    }
    expect(
      fieldNames(e.payload).filter((k) => SECRET_NAME.test(k)),
      e.type,
    ).toEqual([]);
  }

  for (const row of WRITES) {
    it(`${row.route}`, async () => {
      const setup = WALK[row.route];
      if (!setup) throw new Error(`no walk request for ${row.route}`);
      const req = await setup(w);
      const { res, all, mine } = await recorded(row.method, req.url, req.body);
      // Jobs a route queued may record their own events (no actor); nothing else may appear.
      const others = all.filter((e) => e.actorKeyId !== adminKeyId);
      if (QUEUES_RUNS.has(row.route)) expect(others.every((e) => e.actorKeyId === null)).toBe(true);
      else
        expect(
          others.map((e) => e.type),
          'events of no actor',
        ).toEqual([]);

      const types = [...new Set(mine.map((e) => e.type))].sort();
      expect(types, `${row.route}: the types docs/events.md lists`).toEqual(
        expectedTypes(BY_ROUTE.get(row.route)),
      );
      for (const e of mine) checkEnvelope(e);

      // The payload is the route's answer (less one-time secrets and history lists).
      const answer = res.body as Record<string, any> | undefined;
      const items: Record<string, any>[] =
        answer?.movements ?? (answer?.id !== undefined ? [answer] : []);
      for (const item of items) {
        const e = mine.find((x) => x.entityId === String(item.id));
        if (!e) continue;
        expect(without(e.payload, EVENT_ONLY), `${row.route}: payload`).toEqual(
          without(item, ANSWER_ONLY),
        );
      }
      // A change or delete of a record is about that record.
      if (row.method === 'PATCH' || row.method === 'DELETE')
        for (const e of mine)
          expect(req.url.endsWith(`/${e.entityId}`), `${e.type} ${e.entityId}`).toBe(true);
    });
  }

  /** Call and compare the recorded types with the catalogue's for `route` when `cases` hold. */
  async function expectCase(route: string, cases: string[], url: string, body?: unknown) {
    const r = await recorded(route.split(' ')[0]!, url, body);
    expect(
      [...new Set(r.mine.map((e) => e.type))].sort(),
      `${route} when ${cases.join(', ')}`,
    ).toEqual(expectedTypes(BY_ROUTE.get(route), cases));
    for (const e of r.mine) checkEnvelope(e);
    return r;
  }

  /** Every "(when …)" of the catalogue, brought about once (checked against this list below). */
  const covered: string[] = [];
  const cased = (route: string, ...cases: string[]) =>
    covered.push(...cases.map((c) => `${route} ${c}`));

  it('confirm: an approval rule holds the order — order.pending_approval instead of order.confirmed', async () => {
    const route = 'POST /api/v1/orders/{id}/confirm';
    const order = await orderIn(w, 'draft', w.bigProductId);
    const r = await expectCase(route, ['order.pending_approval'], `/orders/${order.id}/confirm`);
    expect(r.mine[0]!.payload.transition.details.approvalRules).toBeTruthy();
    cased(route, 'order.pending_approval');
  });

  it('stock crossing its reorder point: stock.low on the way down, stock.restored on the way up', async () => {
    const product = (
      await ok(env, 'POST', '/products', { sku: uniq('SKU'), name: 'Low', listPrice: '2.00' })
    ).id;
    const at = { productId: product, warehouseId: w.warehouseId };
    await ok(env, 'POST', '/stock/movements', { type: 'receipt', ...at, quantity: 20 });
    await ok(env, 'POST', '/reorder-rules', { ...at, reorderPoint: 10, reorderQuantity: 50 });
    const moves = 'POST /api/v1/stock/movements';
    const down = await expectCase(moves, ['stock.low'], '/stock/movements', {
      type: 'adjustment',
      ...at,
      quantity: -12,
      reason: 'count',
    });
    const low = down.mine.find((e) => e.type === 'stock.low')!;
    expect(low.entityType).toBe('stock_level');
    expect(low.entityId).toBe(`${product}:${w.warehouseId}`);
    expect(low.payload).toMatchObject({ available: 8, reorderPoint: 10, orderId: null });
    expect(low.payload.alertId).toBe(down.res.body.alertIds[0]);
    await expectCase(moves, ['stock.restored'], '/stock/movements', {
      type: 'receipt',
      ...at,
      quantity: 10,
    });
    cased(moves, 'stock.low', 'stock.restored');

    // A confirm's reservation takes it down, the cancel's release back up.
    const order = await orderIn(w, 'draft', product);
    await ok(env, 'POST', '/stock/movements', {
      type: 'adjustment',
      ...at,
      quantity: -7,
      reason: 'x',
    });
    const confirm = 'POST /api/v1/orders/{id}/confirm';
    const c = await expectCase(confirm, ['stock.low'], `/orders/${order.id}/confirm`);
    expect(c.mine.find((e) => e.type === 'stock.low')!.payload.orderId).toBe(order.id);
    cased(confirm, 'stock.low');
    const cancel = 'POST /api/v1/orders/{id}/cancel';
    await expectCase(cancel, ['stock.restored'], `/orders/${order.id}/cancel`);
    cased(cancel, 'stock.restored');

    // A return brings units back above the point.
    const sold = await orderIn(w, 'delivered', product); // 11 → 9 available: low again
    const ret = 'POST /api/v1/orders/{id}/return';
    await expectCase(ret, ['stock.restored'], `/orders/${sold.id}/return`, {
      lines: [{ lineId: sold.lines[0].id, quantity: 2 }],
    });
    cased(ret, 'stock.restored');
  });

  it('opportunities: one event per change — stage_changed, won (with its draft order), lost', async () => {
    const route = 'PATCH /api/v1/opportunities/{id}';
    const opp = (await ok(env, 'POST', '/opportunities', {
      customerId: w.customerId,
      title: 'Big deal',
      lines: [{ productId: w.productId, quantity: 3, discount: '0.05' }],
    })) as { id: number };
    const moved = await expectCase(
      route,
      ['opportunity.stage_changed'],
      `/opportunities/${opp.id}`,
      {
        stage: 'proposal',
      },
    );
    expect(moved.mine[0]!.payload).toMatchObject({ stage: 'proposal', previousStage: 'lead' });
    const won = await expectCase(
      route,
      ['opportunity.won', 'order.created'],
      `/opportunities/${opp.id}`,
      {
        stage: 'won',
        createOrder: true,
      },
    );
    // The draft order came through the one writer of new orders: its event is the order as shown.
    expect(won.mine.map((e) => e.type)).toEqual(['order.created', 'opportunity.won']);
    const orderId = won.res.body.orderId as number;
    const created = won.mine[0]!;
    expect(created.entityId).toBe(String(orderId));
    const order = await ok(env, 'GET', `/orders/${orderId}`);
    expect(without(created.payload, EVENT_ONLY)).toEqual(without(order, ANSWER_ONLY));
    expect(created.payload.transition).toEqual({
      fromStatus: null,
      toStatus: 'draft',
      details: { opportunityId: opp.id },
    });
    expect(order.events.map((e: { payload: unknown }) => e.payload)).toEqual([
      { opportunityId: opp.id },
    ]);
    expect(won.mine[1]!.payload).toMatchObject({
      stage: 'won',
      previousStage: 'proposal',
      orderId,
    });
    const lost = (await ok(env, 'POST', '/opportunities', {
      customerId: w.customerId,
      title: 'Lost',
    })) as {
      id: number;
    };
    await expectCase(route, ['opportunity.lost'], `/opportunities/${lost.id}`, {
      stage: 'lost',
      lostReason: 'price',
    });
    cased(
      route,
      'opportunity.stage_changed',
      'opportunity.won',
      'order.created',
      'opportunity.lost',
    );
  });

  it('follow-up rules that fire record their activities; a new primary contact demotes the old one', async () => {
    const rule = (await ok(env, 'POST', '/followup-rules', {
      name: uniq('welcome'),
      trigger: 'customer_created',
      action: { activityType: 'task', subject: 'Welcome call' },
    })) as { id: number };
    try {
      const created = 'POST /api/v1/customers';
      const r = await expectCase(created, ['activity.created'], '/customers', {
        code: uniq('C'),
        name: 'N',
      });
      expect(r.mine.find((e) => e.type === 'activity.created')!.customerId).toBe(r.res.body.id);
      cased(created, 'activity.created');
      // Deactivated and applied by hand, a new rule on customers created since it fires once each.
      await ok(env, 'PATCH', `/followup-rules/${rule.id}`, { active: false });
      const again = (await ok(env, 'POST', '/followup-rules', {
        name: uniq('late'),
        trigger: 'customer_created',
        active: false,
        action: { activityType: 'task', subject: 'Late welcome' },
      })) as { id: number };
      const c = await ok(env, 'POST', '/customers', { code: uniq('C'), name: 'Later' });
      await ok(env, 'PATCH', `/followup-rules/${again.id}`, { active: true });
      const apply = 'POST /api/v1/followup-rules/apply';
      const applied = await expectCase(apply, ['activity.created'], '/followup-rules/apply');
      expect(applied.mine.some((e) => e.customerId === c.id)).toBe(true);
      await ok(env, 'PATCH', `/followup-rules/${again.id}`, { active: false });
      cased(apply, 'activity.created');
    } finally {
      await env.request('PATCH', `/api/v1/followup-rules/${rule.id}`, { body: { active: false } });
    }

    const customer = (await ok(env, 'POST', '/customers', { code: uniq('C'), name: 'Two' })).id;
    const first = (await ok(env, 'POST', `/customers/${customer}/contacts`, { name: 'First' })).id;
    const contacts = 'POST /api/v1/customers/{id}/contacts';
    const r = await expectCase(contacts, ['contact.updated'], `/customers/${customer}/contacts`, {
      name: 'Second',
      primary: true,
    });
    const demoted = r.mine.find((e) => e.type === 'contact.updated')!;
    expect(demoted.entityId).toBe(String(first));
    expect(demoted.payload).toMatchObject({ id: first, primary: false, customerId: customer });
    cased(contacts, 'contact.updated');
  });

  it('every "(when …)" of the catalogue was brought about above', () => {
    const listed = [...BY_ROUTE].flatMap(([route, e]) => e.when.map((c) => `${route} ${c.type}`));
    expect(covered.sort()).toEqual(listed.sort());
  });

  it("an order's whole life records its events in order: create, confirm, approval, ship, deliver, return; and a cancel", async () => {
    const after = await lastEventId(env);
    const big = await ok(env, 'POST', '/orders', {
      customerId: w.customerId,
      lines: [{ productId: w.bigProductId, quantity: 1 }],
    });
    for (const action of ['confirm', 'approve', 'ship', 'deliver'])
      await ok(env, 'POST', `/orders/${big.id}/${action}`);
    const returned = await ok(env, 'POST', `/orders/${big.id}/return`, {
      lines: [{ lineId: big.lines[0].id, quantity: 1 }],
    });
    const small = await orderIn(w, 'confirmed');
    const cancelled = await ok(env, 'POST', `/orders/${small.id}/cancel`);
    const events = await eventsAfter(env, after);
    const of = (id: number) =>
      events.filter((e) => e.entityType === 'order' && e.entityId === String(id));
    expect(of(big.id).map((e) => e.type)).toEqual([
      'order.created',
      'order.pending_approval',
      'order.approved',
      'order.shipped',
      'order.delivered',
      'order.returned',
    ]);
    expect(of(big.id).map((e) => [e.payload.transition.fromStatus, e.payload.status])).toEqual([
      [null, 'draft'],
      ['draft', 'pending_approval'],
      ['pending_approval', 'confirmed'],
      ['confirmed', 'shipped'],
      ['shipped', 'delivered'],
      ['delivered', 'returned'],
    ]);
    expect(of(small.id).map((e) => e.type)).toEqual([
      'order.created',
      'order.confirmed',
      'order.cancelled',
    ]);
    // The last events are the orders as their last answers show them.
    expect(without(of(big.id).at(-1)!.payload, EVENT_ONLY)).toEqual(without(returned, ANSWER_ONLY));
    expect(without(of(small.id).at(-1)!.payload, EVENT_ONLY)).toEqual(
      without(cancelled, ANSWER_ONLY),
    );
    // order_events stays the order view of the outbox: the same types, in the same order.
    for (const order of [returned, cancelled])
      expect(order.events.map((e: { type: string }) => e.type)).toEqual(
        of(order.id).map((e) => e.type),
      );
  });
});

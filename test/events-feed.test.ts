/**
 * The feed's history (GET /api/v1/events) and an order's timeline over real HTTP: pages oldest
 * first with types, entity and after; what managers and staff of one team see of another's
 * (visibility.ts); bad input as 400s naming the field; and retention: the cleanup job removes
 * old events, and a resume from before them is a 410 naming the oldest kept.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Principal } from '../api/auth/principal.ts';
import { eventRow, type BusinessEvent } from '../api/events/outbox.ts';
import { matchesType, parseTypePatterns } from '../api/events/type-patterns.ts';
import {
  insertCustomer,
  insertOrder,
  insertProduct,
  seedTeams,
  type TeamWorld,
} from './crm-fixtures.ts';
import { SCAN_WINDOW } from '../api/events/repository.ts';
import { emit, orderCreated } from './support/events.ts';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';

type Item = { id: number; type: string; entityId: string; actor: { name: string | null } };

it('type patterns: exact types and area prefixes, nothing else', () => {
  const ok = parseTypePatterns(' order.* , stock.low,, price_list.item_added ');
  expect(ok).toEqual({
    patterns: { exact: ['stock.low', 'price_list.item_added'], prefixes: ['order.'] },
  });
  if (!('patterns' in ok)) throw new Error('unreachable');
  expect(matchesType(ok.patterns, 'order.created')).toBe(true);
  expect(matchesType(ok.patterns, 'orders.created')).toBe(false);
  expect(matchesType(ok.patterns, 'stock.low')).toBe(true);
  expect(matchesType(ok.patterns, 'stock.restored')).toBe(false);
  for (const bad of ['order', 'order.', 'Order.*', 'order.**', '*', 'order.*.x', 'a b.c', ''])
    expect(parseTypePatterns(bad), bad).toHaveProperty('problem');
});

describeBoth('events: the feed', (kind) => {
  let env: TestEnv;
  let world: TeamWorld;
  const get = (url: string, key: string = 'admin', headers?: Record<string, string>) =>
    env.request('GET', `/api/v1${url}`, { key, headers });
  /** Every page of `url` (which has a ?), following nextCursor. */
  async function all(url: string, key: string = 'admin'): Promise<Item[]> {
    const items: Item[] = [];
    let cursor: string | null = null;
    do {
      const r = await get(`${url}${cursor ? `&cursor=${cursor}` : ''}`, key);
      expect(r.status, r.text).toBe(200);
      items.push(...r.body.items);
      cursor = r.body.nextCursor;
    } while (cursor);
    return items;
  }

  beforeAll(async () => {
    env = await startTestEnv(kind, { jobs: true, env: { SALESOPS_SCHEDULER: 'off' } });
    world = await seedTeams(env);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('pages oldest first, filtered by types, entity and after', async () => {
    const c = await insertCustomer(env, { owner: world.reps.n1 });
    const ids = await emit(env, [
      ...[1, 2, 3, 4, 5].map((n) => ({
        type: n % 2 ? 'order.created' : 'order.confirmed',
        entity: { type: 'order', id: 900 + n },
        customerId: c,
        payload: { id: 900 + n, n },
      })),
      { type: 'stock.low', entity: { type: 'stock_level', id: '7:1' }, payload: { productId: 7 } },
      { type: 'stock.restored', entity: { type: 'stock_level', id: '7:1' }, payload: {} },
      { type: 'order.created', entity: { type: 'order', id: 903 }, customerId: c, payload: {} },
    ]);
    const start = ids[0]! - 1;
    // Three at a time, each page continuing where the last ended, ending with nextCursor null.
    const first = await get(`/events?after=${start}&limit=3`);
    expect(first.status, first.text).toBe(200);
    expect(first.body.items.map((i: Item) => i.id)).toEqual(ids.slice(0, 3));
    expect(first.body.nextCursor).toEqual(expect.any(String));
    expect((await all(`/events?after=${start}&limit=3`)).map((i) => i.id)).toEqual(ids);
    expect(first.body.items[0]).toEqual({
      id: ids[0],
      type: 'order.created',
      entityType: 'order',
      entityId: '901',
      customerId: c,
      schemaVersion: 1,
      payload: { id: 901, n: 1 },
      occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      actor: { keyId: null, userId: null, name: null },
    });

    const orders = await all(`/events?after=${start}&types=order.*`);
    expect(orders.map((i) => i.id)).toEqual([...ids.slice(0, 5), ids[7]]);
    const mixed = await all(`/events?after=${start}&types=order.confirmed,stock.*`);
    expect(mixed.map((i) => i.id)).toEqual([ids[1], ids[3], ids[5], ids[6]]);
    const one = await all(`/events?after=${start}&entity=order:903`);
    expect(one.map((i) => [i.id, i.type])).toEqual([
      [ids[2], 'order.created'],
      [ids[7], 'order.created'],
    ]);
    // An id with colons in it (a stock level is product:warehouse).
    expect((await all(`/events?after=${start}&entity=stock_level:7:1`)).length).toBe(2);
    expect((await all(`/events?after=${ids[6]}&types=order.*`)).map((i) => i.id)).toEqual([ids[7]]);
  });

  it('answers an event the moment its transaction committed', async () => {
    await env.ops.db
      .insertInto('events')
      .values(
        eventRow({
          type: 'order.created',
          entity: { type: 'order', id: 77 },
          payload: { late: true },
        }),
      )
      .execute();
    // Nothing published it yet (unless the hub was quick): the route publishes before it reads.
    const r = await get('/events?types=order.created&entity=order:77');
    expect(r.body.items.map((i: { payload: unknown }) => i.payload)).toEqual([{ late: true }]);
  });

  it("shows managers and staff their team's events only, and what their role reads in full", async () => {
    const { reps, keys } = world;
    const db = env.ops.db;
    const cN = await insertCustomer(env, { owner: reps.n1 });
    const cS = await insertCustomer(env, { owner: reps.s1 });
    const cFree = await insertCustomer(env, { owner: null });
    const opp = async (owner: number, customer: number) =>
      (
        await db
          .insertInto('opportunities')
          .values({ customer_id: customer, owner_rep_id: owner, title: 'O' })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    const act = async (owner: number, customer: number | null) =>
      (
        await db
          .insertInto('activities')
          .values({
            activity_type: 'task',
            subject: 'T',
            customer_id: customer,
            owner_rep_id: owner,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    const quota = async (values: { rep_id?: number; team_id?: number }) =>
      (
        await db
          .insertInto('quotas')
          .values({ ...values, period_type: 'year', period_start: '2031-01-01', amount: '1' })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    /** An event of `type` about entity `type:id`, of `customerId` when given. */
    const ev = (type: string, entity: string, id: number | string, customerId?: number) => ({
      type,
      entity: { type: entity, id },
      customerId,
      payload: {},
    });
    // Order ids far above any real order's (the timeline test below inserts real ones).
    const cases: [name: string, event: BusinessEvent][] = [
      ['orderN', ev('order.created', 'order', 800_001, cN)],
      ['orderS', ev('order.created', 'order', 800_002, cS)],
      ['orderFree', ev('order.created', 'order', 800_003, cFree)],
      ['orderGhost', ev('order.created', 'order', 800_004, 987_654_321)],
      ['oppN1', ev('opportunity.stage_changed', 'opportunity', await opp(reps.n1, cN), cN)],
      ['oppN2', ev('opportunity.stage_changed', 'opportunity', await opp(reps.n2, cN), cN)],
      ['oppS', ev('opportunity.won', 'opportunity', await opp(reps.s1, cS), cS)],
      ['actN2', ev('activity.overdue', 'activity', await act(reps.n2, cN), cN)],
      ['actS', ev('activity.overdue', 'activity', await act(reps.s1, null))],
      ['quotaRepN', ev('quota.created', 'quota', await quota({ rep_id: reps.n2 }))],
      ['quotaTeamN', ev('quota.created', 'quota', await quota({ team_id: world.north }))],
      ['quotaTeamS', ev('quota.created', 'quota', await quota({ team_id: world.south }))],
      ['stock', ev('stock.low', 'stock_level', '1:1')],
      ['product', ev('product.updated', 'product', 1)],
      ['job', ev('job.failed', 'job_run', 1)],
      ['segmentRun', ev('segment.run_published', 'segment_run', 1)],
      ['segmentN', ev('segment.changed', 'customer', cN, cN)],
      ['user', ev('user.created', 'user', 1)],
      ['unknownArea', ev('webhook.created', 'webhook', 1)],
    ];
    const ids = await emit(
      env,
      cases.map(([, e]) => e),
    );
    const nameOf = new Map(ids.map((id, i) => [id, cases[i]![0]]));
    const seen = async (key: string) =>
      (await all(`/events?after=${ids[0]! - 1}&limit=500`, key))
        .map((i) => nameOf.get(i.id))
        .filter(Boolean);
    const everything = cases.map(([n]) => n);
    expect(await seen(env.keys.admin)).toEqual(everything);
    expect(await seen(env.keys.analyst)).toEqual(everything);
    const open = ['stock', 'product'];
    expect(await seen(keys.managerN)).toEqual([
      'orderN',
      'orderFree',
      'oppN1',
      'oppN2',
      'actN2',
      'quotaRepN',
      'quotaTeamN',
      ...open,
      'job',
      'segmentRun',
      'segmentN',
    ]);
    // Staff: their team's customers, their own deals only, no quotas, jobs or segment runs.
    expect(await seen(keys.staffN1)).toEqual([
      'orderN',
      'orderFree',
      'oppN1',
      'actN2',
      ...open,
      'segmentN',
    ]);
    expect(await seen(keys.staffS1)).toEqual(['orderS', 'orderFree', 'oppS', 'actS', ...open]);
    expect(await seen(keys.managerS)).toEqual([
      'orderS',
      'orderFree',
      'oppS',
      'actS',
      'quotaTeamS',
      ...open,
      'job',
      'segmentRun',
    ]);
    // Executives read reports, not orders: the feed is refused like GET /orders.
    expect((await get('/events', env.keys.executive)).status).toBe(403);

    // Visibility follows the customer's owner now: handed to South, its history goes along.
    await db.updateTable('customers').set({ owner_rep_id: reps.s1 }).where('id', '=', cN).execute();
    expect(await seen(keys.managerN)).not.toContain('orderN');
    expect(await seen(keys.managerS)).toContain('orderN');
  });

  it('reads at most a window of ids per request, so a sparse feed pages instead of scanning', async () => {
    const cN = await insertCustomer(env, { owner: world.reps.n1 });
    const cS = await insertCustomer(env, { owner: world.reps.s1 });
    const [first] = await emit(env, [orderCreated(600_000, cN)]);
    // More of South's events than one window holds, then one of North's.
    for (let b = 0; b * 1000 < SCAN_WINDOW + 1000; b++)
      await emit(
        env,
        Array.from({ length: 1000 }, (_, i) => orderCreated(610_000 + b * 1000 + i, cS)),
      );
    const [lastN] = await emit(env, [orderCreated(600_001, cN)]);
    const key = world.keys.staffN1;
    const r = await get(`/events?after=${first}&types=order.*`, key);
    expect(r.status, r.text).toBe(200);
    expect(r.body.items).toEqual([]);
    expect(r.body.nextCursor).toEqual(expect.any(String));
    expect((await all(`/events?after=${first}&types=order.*`, key)).map((i) => i.id)).toEqual([
      lastN,
    ]);
  });

  it('refuses bad input with a 400 naming the field', async () => {
    for (const [query, field] of [
      ['types=order.', 'types'],
      ['types=Order.*', 'types'],
      ['types=*', 'types'],
      ['types=', 'types'],
      ['entity=order', 'entity'],
      ['entity=order:', 'entity'],
      ['entity=:42', 'entity'],
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['limit=ten', 'limit'],
      ['after=-1', 'after'],
      ['after=1.5', 'after'],
      ['after=abc', 'after'],
      ['cursor=LTE', 'cursor'], // base64url of -1
    ]) {
      const r = await get(`/events?${query}`);
      expect(r.status, query).toBe(400);
      expect(r.headers.get('content-type'), query).toMatch(/application\/problem\+json/);
      expect(
        r.body.errors.map((e: { field: string }) => e.field),
        query,
      ).toEqual([field]);
      expect(r.body.errors[0].in, query).toBe('query');
    }
    const bad = await get('/events?types=order.x*');
    expect(bad.body.errors[0].message).toContain('"order.x*"');
    // The stream checks the same before it starts, and its Last-Event-ID header too.
    const s = await get('/events/stream?types=nope');
    expect([s.status, s.body.errors[0].field]).toEqual([400, 'types']);
    const h = await get('/events/stream', 'admin', { 'last-event-id': 'seven' });
    expect([h.status, h.body.errors[0]]).toEqual([
      400,
      expect.objectContaining({ field: 'Last-Event-ID', in: 'header' }),
    ]);
  });

  it("an order's timeline: its events in order, who did each, scoped like the order", async () => {
    const { reps, keys } = world;
    const db = env.ops.db;
    const product = await insertProduct(env);
    const cN = await insertCustomer(env, { owner: reps.n2 });
    const order = (await insertOrder(env, { customerId: cN, productId: product, status: 'draft' }))
      .id;
    const other = (await insertOrder(env, { customerId: cN, productId: product, status: 'draft' }))
      .id;
    const key = await db
      .selectFrom('api_keys')
      .select(['id', 'name'])
      .where('name', '=', 'test-admin')
      .executeTakeFirstOrThrow();
    const user = await db
      .insertInto('users')
      .values({ email: `ada-${process.pid}@example.com`, name: 'Ada Rep', role: 'staff' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const nameless = await db
      .insertInto('users')
      .values({ email: `lin-${process.pid}@example.com`, role: 'staff' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const by = (keyId: number | null, userId: number | null): Principal => ({
      keyId,
      userId,
      sessionId: null,
      name: '',
      role: 'staff',
      repId: null,
    });
    const step = (type: string, principal: Principal | null, id = order): BusinessEvent => ({
      type,
      entity: { type: 'order', id },
      customerId: cN,
      payload: { id },
      principal,
    });
    await emit(env, [step('order.created', by(key.id, null))]);
    await emit(env, [step('order.created', null, other)]);
    await emit(env, [
      step('order.confirmed', by(null, user.id)),
      step('order.shipped', by(key.id, nameless.id)),
    ]);
    await emit(env, [step('order.delivered', null)]);

    const timeline = async (k: string, limit = 50) => {
      const items: Item[] = [];
      let cursor: string | null = null;
      do {
        const r = await get(
          `/orders/${order}/timeline?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
          k,
        );
        expect(r.status, r.text).toBe(200);
        items.push(...r.body.items);
        cursor = r.body.nextCursor;
      } while (cursor);
      return items;
    };
    const items = await timeline(keys.managerN, 2);
    expect(items.map((i) => [i.type, i.actor.name])).toEqual([
      ['order.created', 'test-admin'],
      ['order.confirmed', 'Ada Rep'],
      // A user without a name is shown by email, before the key they used.
      ['order.shipped', `lin-${process.pid}@example.com`],
      ['order.delivered', null],
    ]);
    expect(items.every((i) => i.entityId === String(order))).toBe(true);
    expect([...items].sort((a, b) => a.id - b.id)).toEqual(items);
    expect((await timeline(keys.staffN1)).length).toBe(4);
    for (const k of [keys.managerS, keys.staffS1]) {
      const r = await get(`/orders/${order}/timeline`, k);
      expect([r.status, r.body.detail]).toEqual([404, `order ${order} was not found`]);
    }
    expect((await get(`/orders/999999999/timeline`)).status).toBe(404);
  });

  // Last: it removes every event older than the window, those of the tests above included.
  it('retention: cleanup removes old events, and a resume from before them is a 410', async () => {
    const db = env.ops.db;
    const ids = await emit(
      env,
      [1, 2, 3, 4].map((n) => ({
        type: 'order.created',
        entity: { type: 'order', id: 5000 + n },
        payload: { n },
      })),
    );
    // Every event up to ids[1] was published 100 days ago; the default window is 90 days.
    await db
      .updateTable('events')
      .set({ published_at: new Date(Date.now() - 100 * 86_400_000) })
      .where('id', '<=', ids[1]!)
      .execute();
    const run = await env.request('POST', '/api/v1/jobs/cleanup/run');
    expect(run.status, run.text).toBe(202);
    let done: any;
    for (;;) {
      done = (await get(`/jobs/runs/${run.body.id}`)).body;
      if (done.status !== 'queued' && done.status !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(done.status, JSON.stringify(done)).toBe('succeeded');
    const marks = await db
      .selectFrom('event_counter')
      .select(['pruned_through'])
      .executeTakeFirstOrThrow();
    expect(Number(marks.pruned_through)).toBe(ids[1]);
    const left = await db.selectFrom('events').select('id').where('id', '<=', ids[1]!).execute();
    expect(left).toEqual([]);

    // Resuming exactly at the mark is fine; before it, events would be missed: 410.
    const at = await get(`/events?after=${ids[1]}`);
    expect(at.body.items.map((i: Item) => i.id)).toEqual(ids.slice(2));
    const gone = await get(`/events?after=${ids[0]}`);
    expect(gone.status, gone.text).toBe(410);
    expect(gone.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(gone.body).toMatchObject({
      oldestId: ids[2],
      prunedThrough: ids[1],
      errors: [{ field: 'after', in: 'query' }],
    });
    expect(gone.body.detail).toContain(`the oldest kept is ${ids[2]}`);
    // Without a resume point the history starts at the oldest kept.
    expect((await get('/events?limit=1')).body.items[0].id).toBe(ids[2]);
    // A stream's resume is checked the same way, before the stream starts.
    const stream = await get('/events/stream', 'admin', { 'last-event-id': String(ids[0]) });
    expect([stream.status, stream.body.errors[0].field, stream.body.oldestId]).toEqual([
      410,
      'Last-Event-ID',
      ids[2],
    ]);
    // A second run finds nothing more to remove.
    const again = await env.request('POST', '/api/v1/jobs/cleanup/run');
    for (;;) {
      done = (await get(`/jobs/runs/${again.body.id}`)).body;
      if (done.status !== 'queued' && done.status !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(done.status).toBe('skipped');
  });
});

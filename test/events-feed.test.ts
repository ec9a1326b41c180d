/**
 * The feed's history (GET /api/v1/events) over real HTTP: pages oldest first with types, entity
 * and after; a window of ids per request; bad input as 400s naming the field; and retention: the
 * cleanup job removes old events, and a resume from before them is a 410 naming the oldest kept.
 * What each role and team sees, and an order's timeline: test/events-scope.test.ts.
 */
import { expect, it } from 'vitest';
import { eventRow } from '../api/events/outbox.ts';
import { matchesType, parseTypePatterns } from '../api/events/type-patterns.ts';
import { insertCustomer, type TeamWorld } from './crm-fixtures.ts';
import { SCAN_WINDOW } from '../api/events/repository.ts';
import { useFeedSuite, type FeedItem as Item } from './support/event-feed.ts';
import { emit, orderCreated } from './support/events.ts';
import { describeBoth, type TestEnv } from './support/harness.ts';

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
  const { get, all } = useFeedSuite(kind, (started, seeded) => {
    env = started;
    world = seeded;
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

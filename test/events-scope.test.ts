/**
 * What the feed (GET /api/v1/events) shows managers and staff of one team of another's events
 * (visibility.ts), and what each role reads in full; and an order's timeline: its events in
 * order, who did each, scoped like the order. Over real HTTP, on both databases.
 */
import { expect, it } from 'vitest';
import type { Principal } from '../api/auth/principal.ts';
import type { BusinessEvent } from '../api/events/outbox.ts';
import { insertCustomer, insertOrder, insertProduct, type TeamWorld } from './crm-fixtures.ts';
import { useFeedSuite, type FeedItem as Item } from './support/event-feed.ts';
import { emit } from './support/events.ts';
import { describeBoth, type TestEnv } from './support/harness.ts';

describeBoth('events: what each role and team sees', (kind) => {
  let env: TestEnv;
  let world: TeamWorld;
  const { get, all } = useFeedSuite(kind, (started, seeded) => {
    env = started;
    world = seeded;
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
});

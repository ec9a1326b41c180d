/**
 * Each "(when …)" case of the events catalogue (docs/events.md), brought about once over HTTP as
 * admin: a write records the types listed for that case, with the envelope every event has; and
 * every case the catalogue lists is covered here. The plain case of each write route is
 * test/events-routes.test.ts.
 */
import { expect, it } from 'vitest';
import { eventsByRoute, expectedTypes, readCatalogue } from './support/event-catalogue.ts';
import {
  ANSWER_ONLY,
  EVENT_ONLY,
  checkEnvelope,
  useRouteSuite,
  without,
} from './support/event-recording.ts';
import { ok, orderIn, uniq, type WalkWorld } from './support/event-walk.ts';
import { describeBoth, type TestEnv } from './support/harness.ts';

const BY_ROUTE = eventsByRoute(readCatalogue());

describeBoth('events: each "(when …)" of the catalogue records its events', (kind) => {
  let env: TestEnv;
  let w: WalkWorld;
  /** Call `method url` as admin; the answer and the events it recorded. */
  const recorded = useRouteSuite(kind, (suite) => ({ env, w } = suite));

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
});

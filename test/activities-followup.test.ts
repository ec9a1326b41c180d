/**
 * Follow-up automation on both databases: rules as records, applied on customer creation, from
 * 'order.delivered' events (inserted as the orders area writes them) and to idle opportunities;
 * each task links to its rule and cause, and no rule fires twice for one cause.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { applyFollowupRules } from '../api/activities/followup/apply.ts';
import { describeBoth, type TestEnv } from './support/harness.ts';
import { followupRuleCalls, startFollowupEnv } from './support/followup-rules.ts';
import {
  insertCustomer,
  insertDeliveredEvent,
  insertOrder,
  insertProduct,
  type TeamWorld,
} from './crm-fixtures.ts';

const DAY = 86_400_000;

describeBoth('follow-up rules', (kind) => {
  let env: TestEnv;
  let world: TeamWorld;
  let product: number;
  const { createRule, switchOffRules, tasksOf } = followupRuleCalls(() => env);
  beforeAll(async () => {
    ({ env, world } = await startFollowupEnv(kind));
    product = await insertProduct(env);
  });
  afterEach(switchOffRules);
  afterAll(async () => {
    await env?.close();
  });

  it('keeps rules as validated records (trigger, condition, action)', async () => {
    const rule = await createRule({
      name: 'Welcome',
      trigger: 'customer_created',
      action: { activityType: 'email', subject: 'Welcome {customer}', dueInDays: 1 },
    });
    expect(rule).toMatchObject({ condition: {}, active: true, action: { dueInDays: 1 } });
    const misfit = await env.request('POST', '/api/v1/followup-rules', {
      body: {
        name: 'Bad',
        trigger: 'customer_created',
        condition: { idleDays: 3 },
        action: { activityType: 'task', subject: 'x' },
      },
    });
    expect(misfit.status).toBe(400);
    expect(misfit.body.errors[0].field).toBe('condition.idleDays');
    const badTrigger = await env.request('POST', '/api/v1/followup-rules', {
      body: { name: 'Bad', trigger: 'moon_phase', action: { activityType: 'task', subject: 'x' } },
    });
    expect(badTrigger.status).toBe(400);
    const badRep = await env.request('POST', '/api/v1/followup-rules', {
      body: {
        name: 'Bad',
        trigger: 'customer_created',
        action: { activityType: 'task', subject: 'x', assignToRepId: 999999 },
      },
    });
    expect(badRep.status).toBe(422);
    expect(badRep.body.errors[0].field).toBe('action.assignToRepId');
    const patchMisfit = await env.request('PATCH', `/api/v1/followup-rules/${rule.id}`, {
      body: { condition: { minOrderTotal: '5' } },
    });
    expect(patchMisfit.status).toBe(400);
    expect(patchMisfit.body.errors[0].field).toBe('condition.minOrderTotal');
    expect(
      (await env.request('POST', '/api/v1/followup-rules', { key: 'staff', body: {} })).status,
    ).toBe(403);
    const list = await env.request('GET', '/api/v1/followup-rules', { key: 'staff' });
    expect(list.body.items.map((r: { id: number }) => r.id)).toContain(rule.id);
  });

  it('new customer → welcome email task for its owner, in the same transaction', async () => {
    const rule = await createRule({
      name: 'Welcome email',
      trigger: 'customer_created',
      condition: { customerGroups: ['retail'] },
      action: { activityType: 'email', subject: 'Welcome {customer}', dueInDays: 2 },
    });
    const c = await env.request('POST', '/api/v1/customers', {
      key: world.keys.staffN1,
      body: { code: `W-${rule.id}`, name: 'Newco', group: 'retail' },
    });
    const other = await env.request('POST', '/api/v1/customers', {
      key: world.keys.staffN1,
      body: { code: `W2-${rule.id}`, name: 'Wholesaler', group: 'wholesale' },
    });
    expect(other.status).toBe(201);
    const tasks = await tasksOf(rule.id);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      activity_type: 'email',
      subject: 'Welcome Newco',
      customer_id: c.body.id,
      owner_rep_id: world.reps.n1,
      cause_key: `customer:${c.body.id}:created`,
    });
    expect(tasks[0]!.due_at!.getTime() - new Date(c.body.createdAt).getTime()).toBe(2 * DAY);
    const shown = await env.request('GET', `/api/v1/activities/${tasks[0]!.id}`);
    expect(shown.body).toMatchObject({
      followupRuleId: rule.id,
      causeKey: `customer:${c.body.id}:created`,
    });
    expect((await applyFollowupRules(env.ops.db)).created).toBe(0);
  });

  it('order delivered → call task 7 days later for the owner rep, never twice', async () => {
    const old = await insertCustomer(env, { owner: world.reps.n2, name: 'Oldtimer' });
    const oldOrder = await insertOrder(env, {
      customerId: old,
      productId: product,
      status: 'delivered',
    });
    await insertDeliveredEvent(env, oldOrder.id, new Date(Date.now() - 60_000));
    const rule = await createRule({
      name: 'Call after delivery',
      trigger: 'order_delivered',
      condition: { minOrderTotal: '50.00' },
      action: { activityType: 'call', subject: 'How was {order}?', dueInDays: 7 },
    });
    const customer = await insertCustomer(env, { owner: world.reps.n2, name: 'Buyer' });
    const big = await insertOrder(env, {
      customerId: customer,
      productId: product,
      quantity: 5,
      price: '10.00',
    });
    const small = await insertOrder(env, { customerId: customer, productId: product, quantity: 1 });
    const deliveredAt = new Date();
    await insertDeliveredEvent(env, big.id, deliveredAt);
    await insertDeliveredEvent(env, small.id, deliveredAt);

    const first = await applyFollowupRules(env.ops.db);
    expect(first.created).toBe(1);
    const tasks = await tasksOf(rule.id);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      activity_type: 'call',
      subject: `How was ${big.number}?`,
      order_id: big.id,
      customer_id: customer,
      owner_rep_id: world.reps.n2,
      cause_key: `order:${big.id}:delivered`,
    });
    expect(tasks[0]!.due_at!.getTime()).toBe(deliveredAt.getTime() + 7 * DAY);

    // A repeated event, a second run and the API all leave it at one task.
    await insertDeliveredEvent(env, big.id);
    expect((await applyFollowupRules(env.ops.db)).created).toBe(0);
    const viaApi = await env.request('POST', '/api/v1/followup-rules/apply', { key: 'manager' });
    expect(viaApi.status).toBe(200);
    expect(viaApi.body.created).toBe(0);
    expect(await tasksOf(rule.id)).toHaveLength(1);
    const audit = await env.ops.db
      .selectFrom('audit_log')
      .select(['api_key_id'])
      .where('entity', '=', 'activity')
      .where('entity_id', '=', String(tasks[0]!.id))
      .execute();
    expect(audit).toEqual([{ api_key_id: null }]);
  });

  it('does not fire twice when two runs race', async () => {
    const rule = await createRule({
      name: 'Race',
      trigger: 'order_delivered',
      action: { activityType: 'task', subject: 'Race', dueInDays: 0 },
    });
    const customer = await insertCustomer(env);
    for (let i = 0; i < 3; i++) {
      const o = await insertOrder(env, { customerId: customer, productId: product });
      await insertDeliveredEvent(env, o.id);
    }
    const runs = await Promise.allSettled([
      applyFollowupRules(env.ops.db),
      applyFollowupRules(env.ops.db),
      applyFollowupRules(env.ops.db, { triggers: ['order_delivered'] }),
    ]);
    const created = runs.map((r) => (r.status === 'fulfilled' ? r.value.created : 0));
    expect(created.reduce((a, b) => a + b, 0)).toBe(3);
    expect(await tasksOf(rule.id)).toHaveLength(3);
  });

  it('opportunity without activity for 14 days → task for its owner, again only after a new quiet spell', async () => {
    const rule = await createRule({
      name: 'Chase idle deals',
      trigger: 'opportunity_idle',
      condition: { stages: ['proposal', 'negotiation'] },
      action: { activityType: 'task', subject: 'Chase {opportunity} at {customer}', dueInDays: 1 },
    });
    const customer = await insertCustomer(env, { owner: world.reps.n1, name: 'Slowco' });
    const mk = async (title: string, stage: string, ageDays: number) => {
      const r = await env.request('POST', '/api/v1/opportunities', {
        key: world.keys.staffN2,
        body: { customerId: customer, title, stage, expectedValue: '100' },
      });
      expect(r.status).toBe(201);
      const past = new Date(Date.now() - ageDays * DAY);
      await env.ops.db
        .updateTable('opportunities')
        .set({ created_at: past })
        .where('id', '=', r.body.id)
        .execute();
      await env.ops.db
        .updateTable('opportunity_stage_history')
        .set({ changed_at: past })
        .where('opportunity_id', '=', r.body.id)
        .execute();
      return r.body.id as number;
    };
    const idle = await mk('Idle deal', 'proposal', 20);
    const fresh = await mk('Fresh deal', 'proposal', 3);
    const early = await mk('Early lead', 'lead', 30);
    const touched = await mk('Touched deal', 'negotiation', 20);
    await env.request('POST', '/api/v1/activities', {
      key: world.keys.staffN2,
      body: {
        type: 'call',
        subject: 'Checked in',
        opportunityId: touched,
        doneAt: new Date(Date.now() - 2 * DAY).toISOString(),
      },
    });
    const lost = await mk('Lost deal', 'proposal', 40);
    await env.request('PATCH', `/api/v1/opportunities/${lost}`, {
      body: { stage: 'lost', lostReason: 'price' },
    });

    const now = new Date();
    expect((await applyFollowupRules(env.ops.db, { now })).created).toBe(1);
    const [task] = await tasksOf(rule.id);
    expect(task).toMatchObject({
      opportunity_id: idle,
      customer_id: customer,
      owner_rep_id: world.reps.n2,
      subject: 'Chase Idle deal at Slowco',
    });
    expect(task!.cause_key).toMatch(new RegExp(`^opportunity:${idle}:idle-since:`));
    expect((await applyFollowupRules(env.ops.db, { now })).created).toBe(0);
    // The task itself is activity: nothing more until 14 quiet days after it (the fresh deal is not quiet yet either).
    expect(
      (await applyFollowupRules(env.ops.db, { now: new Date(now.getTime() + 10 * DAY) })).created,
    ).toBe(0);
    const later = await applyFollowupRules(env.ops.db, { now: new Date(now.getTime() + 15 * DAY) });
    // The idle deal again (its task is 15 days old), and the touched and fresh ones, now quiet.
    expect(later.created).toBe(3);
    const byOpp = (await tasksOf(rule.id)).map((t) => t.opportunity_id).sort();
    expect(byOpp).toEqual([idle, idle, fresh, touched].sort());
    expect(early).toBeGreaterThan(0);
  });
});

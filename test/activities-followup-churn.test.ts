/**
 * The `churn_risk` follow-up trigger on both databases: a task for the owner rep of each
 * high-value customer the newest succeeded segment run found at high churn risk, once per
 * customer per run (cause key `churn:<customer>:<run>`), never from an older or unfinished run,
 * never for deleted or blocked customers, and not while the rule's earlier task for the customer
 * is still open.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { applyFollowupRules } from '../api/activities/followup/apply.ts';
import { RFM_SEGMENTS } from '../segment/rfm-segments.ts';
import { insertCustomer, type TeamWorld } from './crm-fixtures.ts';
import { followupRuleCalls, startFollowupEnv } from './support/followup-rules.ts';
import { describeBoth, type TestEnv } from './support/harness.ts';
import { insertScoreRun, type ScoreFixture } from './support/segment-scores.ts';

const DAY = 86_400_000;

describeBoth('follow-up rules: churn risk', (kind) => {
  let env: TestEnv;
  let world: TeamWorld;
  const rules = followupRuleCalls(() => env);
  const { tasksOf } = rules;

  beforeAll(async () => {
    ({ env, world } = await startFollowupEnv(kind));
  });
  afterEach(rules.switchOffRules);
  afterAll(async () => {
    await env?.close();
  });

  const createRule = (condition: Record<string, unknown> = {}) =>
    rules.createRule({
      name: 'Win back',
      trigger: 'churn_risk',
      condition,
      action: {
        activityType: 'call',
        subject: 'Win back {customer} ({segment}, churn risk {churnRisk})',
        dueInDays: 2,
      },
    });
  const highRisk = (customerId: number, over: Partial<ScoreFixture> = {}): ScoreFixture => ({
    customerId,
    segment: 'cant_lose',
    r: 1,
    f: 5,
    m: 5,
    churnRisk: '0.8500',
    ...over,
  });

  it('validates the condition: its own fields, their ranges and the segment codes', async () => {
    const post = (trigger: string, condition: Record<string, unknown>) =>
      env.request('POST', '/api/v1/followup-rules', {
        key: 'manager',
        body: { name: 'x', trigger, condition, action: { activityType: 'task', subject: 'x' } },
      });
    const cases: [string, Record<string, unknown>, string, RegExp?][] = [
      ['churn_risk', { idleDays: 3 }, 'condition.idleDays', /does not apply to trigger churn_risk/],
      ['order_delivered', { minChurnRisk: '0.5' }, 'condition.minChurnRisk'],
      ['opportunity_idle', { segments: ['lost'] }, 'condition.segments'],
      ['churn_risk', { minChurnRisk: '1.2' }, 'condition.minChurnRisk', /between 0 and 1/],
      ['churn_risk', { minChurnRisk: -0.1 }, 'condition.minChurnRisk'],
      ['churn_risk', { minMonetaryScore: 6 }, 'condition.minMonetaryScore'],
      ['churn_risk', { minMonetaryScore: 2.5 }, 'condition.minMonetaryScore'],
      ['churn_risk', { segments: [] }, 'condition.segments'],
      [
        'churn_risk',
        { segments: ['at_risk', 'vip'] },
        'condition.segments.1',
        new RegExp(`^must be one of the RFM segments: ${RFM_SEGMENTS.join(', ')}$`),
      ],
    ];
    for (const [trigger, condition, field, message] of cases) {
      const r = await post(trigger, condition);
      const what = `${trigger} ${JSON.stringify(condition)}`;
      expect(r.status, what).toBe(400);
      expect(
        r.body.errors.map((e: { field: string }) => e.field),
        what,
      ).toEqual([field]);
      if (message) expect(r.body.errors[0].message, what).toMatch(message);
    }
    const ok = await post('churn_risk', {
      minChurnRisk: 0.7,
      minMonetaryScore: 3,
      segments: ['at_risk', 'cant_lose'],
      customerGroups: ['wholesale'],
    });
    expect(ok.status, ok.text).toBe(201);
    rules.switchOffLater(ok.body.id);
    expect(ok.body).toMatchObject({
      trigger: 'churn_risk',
      condition: { minChurnRisk: '0.7', minMonetaryScore: 3, segments: ['at_risk', 'cant_lose'] },
    });
    expect((await env.request('GET', `/api/v1/followup-rules/${ok.body.id}`)).body).toEqual(
      ok.body,
    );
  });

  it('creates one task per high-value customer at high churn risk of the newest run, for its owner', async () => {
    const c = {
      risky: await insertCustomer(env, { owner: world.reps.n1, name: 'Risky' }),
      unowned: await insertCustomer(env, { name: 'Unowned' }),
      cheap: await insertCustomer(env, { owner: world.reps.n1 }),
      safe: await insertCustomer(env, { owner: world.reps.n1 }),
      deleted: await insertCustomer(env, { owner: world.reps.n1 }),
      blocked: await insertCustomer(env, { owner: world.reps.s1, name: 'Blocked' }),
      lapsedBefore: await insertCustomer(env, { owner: world.reps.n1 }),
    };
    await env.ops.db
      .updateTable('customers')
      .set({ deleted_at: new Date() })
      .where('id', '=', c.deleted)
      .execute();
    await env.ops.db
      .updateTable('customers')
      .set({ blocked: true })
      .where('id', '=', c.blocked)
      .execute();
    // An older run found lapsedBefore at risk; the newest does not.
    await insertScoreRun(env.ops.db, [highRisk(c.lapsedBefore)]);
    const run = await insertScoreRun(env.ops.db, [
      highRisk(c.risky, { segment: 'at_risk', m: 4, churnRisk: '0.6000' }),
      highRisk(c.unowned),
      highRisk(c.cheap, { m: 3, churnRisk: '0.9900' }),
      highRisk(c.safe, { churnRisk: '0.5999' }),
      highRisk(c.deleted),
      highRisk(c.blocked),
      highRisk(c.lapsedBefore, { segment: 'champions', r: 5, churnRisk: '0.0500' }),
    ]);
    // A newer run that failed, and one still running, are not the newest run.
    const later = [highRisk(c.cheap, { m: 5 }), highRisk(c.safe, { churnRisk: '0.9000' })];
    await insertScoreRun(env.ops.db, later, { status: 'failed' });
    await insertScoreRun(env.ops.db, later, { status: 'running' });

    const rule = await createRule();
    const before = Date.now();
    const applied = await env.request('POST', '/api/v1/followup-rules/apply', { key: 'manager' });
    expect(applied.status).toBe(200);
    const tasks = await tasksOf(rule.id);
    expect(applied.body.created).toBe(tasks.length);
    expect(tasks.map((t) => [t.customer_id, t.owner_rep_id, t.cause_key, t.subject])).toEqual([
      [
        c.risky,
        world.reps.n1,
        `churn:${c.risky}:${run}`,
        'Win back Risky (At risk, churn risk 60 %)',
      ],
      [
        c.unowned,
        null,
        `churn:${c.unowned}:${run}`,
        "Win back Unowned (Can't lose, churn risk 85 %)",
      ],
    ]);
    expect(tasks[0]).toMatchObject({ activity_type: 'call', done_at: null });
    // Due two days from when the task was made (the run is a state, not an event in the past).
    expect(tasks[0]!.due_at!.getTime()).toBeGreaterThanOrEqual(before + 2 * DAY - 1000);
    expect(tasks[0]!.due_at!.getTime()).toBeLessThanOrEqual(Date.now() + 2 * DAY);
    // Once per customer per run, however often the rules are applied.
    expect((await applyFollowupRules(env.ops.db)).created).toBe(0);

    // Unblocked, the customer is picked up at the next apply, from the same run.
    await env.ops.db
      .updateTable('customers')
      .set({ blocked: false })
      .where('id', '=', c.blocked)
      .execute();
    const next = await applyFollowupRules(env.ops.db);
    expect(next.created).toBe(1);
    expect((await tasksOf(rule.id)).at(-1)).toMatchObject({
      customer_id: c.blocked,
      owner_rep_id: world.reps.s1,
      cause_key: `churn:${c.blocked}:${run}`,
    });
  });

  it('a new run makes a new task once the earlier one is done, never two open at once', async () => {
    const customer = await insertCustomer(env, { owner: world.reps.n2, name: 'Slipping' });
    const first = await insertScoreRun(env.ops.db, [highRisk(customer)]);
    const rule = await createRule({ segments: ['cant_lose'] });
    expect((await applyFollowupRules(env.ops.db, { only: { customerId: customer } })).created).toBe(
      1,
    );
    const second = await insertScoreRun(env.ops.db, [highRisk(customer, { churnRisk: '0.9000' })]);
    // The rep has not reached the first task yet: no second one on top of it.
    expect((await applyFollowupRules(env.ops.db)).created).toBe(0);
    const [task] = await tasksOf(rule.id);
    await env.ops.db
      .updateTable('activities')
      .set({ done_at: new Date(), outcome: 'called, no answer' })
      .where('id', '=', task!.id)
      .execute();
    expect((await applyFollowupRules(env.ops.db)).created).toBe(1);
    expect((await tasksOf(rule.id)).map((t) => t.cause_key)).toEqual([
      `churn:${customer}:${first}`,
      `churn:${customer}:${second}`,
    ]);
    // Done or not, the run's task is never made twice.
    await env.ops.db
      .updateTable('activities')
      .set({ done_at: new Date() })
      .where('followup_rule_id', '=', rule.id)
      .execute();
    expect((await applyFollowupRules(env.ops.db)).created).toBe(0);
    // A run that no longer finds the customer at risk makes nothing.
    await insertScoreRun(env.ops.db, [highRisk(customer, { churnRisk: '0.2000' })]);
    expect((await applyFollowupRules(env.ops.db)).created).toBe(0);
    // Nor does one whose churn tree did no better than "everyone is the majority class".
    await insertScoreRun(env.ops.db, [highRisk(customer, { churnRisk: '0.9500' })], {
      churnBeatsBaseline: false,
    });
    expect((await applyFollowupRules(env.ops.db)).created).toBe(0);
  });

  it("applies the rule's thresholds, segments and groups", async () => {
    const wholesale = await insertCustomer(env, { owner: world.reps.n1, group: 'wholesale' });
    const retail = await insertCustomer(env, { owner: world.reps.n1, group: 'retail' });
    const midValue = await insertCustomer(env, { owner: world.reps.n1, group: 'wholesale' });
    const run = await insertScoreRun(env.ops.db, [
      highRisk(wholesale, { churnRisk: '0.9500' }),
      highRisk(retail, { churnRisk: '0.9500' }),
      highRisk(midValue, { m: 2, churnRisk: '0.9500' }),
    ]);
    const rule = await createRule({
      minChurnRisk: '0.95',
      minMonetaryScore: 2,
      segments: ['cant_lose'],
      customerGroups: ['wholesale'],
    });
    await applyFollowupRules(env.ops.db);
    expect((await tasksOf(rule.id)).map((t) => t.cause_key)).toEqual([
      `churn:${wholesale}:${run}`,
      `churn:${midValue}:${run}`,
    ]);
  });
});

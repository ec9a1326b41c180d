/** The follow-up evaluator is pure: rules × causes × time → planned activities, no database. */
import { describe, expect, it } from 'vitest';
import {
  causeKeyOf,
  evaluateFollowups,
  ruleMatches,
  type EvaluatedRule,
  type FollowupCause,
} from '../api/activities/followup/evaluate.ts';

const DAY = 86_400_000;
const t0 = new Date('2026-05-01T00:00:00Z');
const at = (days: number) => new Date(t0.getTime() + days * DAY);

const rule = (over: Partial<EvaluatedRule> & Pick<EvaluatedRule, 'trigger'>): EvaluatedRule => ({
  id: 1,
  condition: {},
  action: { activityType: 'task', subject: 'Follow up {customer}', dueInDays: 0 },
  createdAt: t0,
  ...over,
});
const customer = { customerId: 7, customerName: 'Acme', customerGroup: 'retail', ownerRepId: 3 };
const delivered = (over: Partial<FollowupCause> = {}): FollowupCause =>
  ({
    trigger: 'order_delivered',
    orderId: 12,
    orderNumber: 'SO-000012',
    orderTotal: '250.00',
    at: at(1),
    ...customer,
    ...over,
  }) as FollowupCause;
const idle = (lastTouchDaysAgo: number, over: Partial<FollowupCause> = {}): FollowupCause =>
  ({
    trigger: 'opportunity_idle',
    opportunityId: 5,
    title: 'Big deal',
    stage: 'proposal',
    lastTouchAt: at(-lastTouchDaysAgo),
    ...customer,
    ...over,
  }) as FollowupCause;

const churn = (over: Partial<FollowupCause> = {}): FollowupCause =>
  ({
    trigger: 'churn_risk',
    runId: 9,
    churnRisk: '0.7200',
    segment: 'at_risk',
    monetaryScore: 4,
    ...customer,
    ...over,
  }) as FollowupCause;

describe('follow-up evaluator', () => {
  it('order delivered → a call for the owner rep N days after the delivery', () => {
    const r = rule({
      trigger: 'order_delivered',
      action: { activityType: 'call', subject: 'How was {order}, {customer}?', dueInDays: 7 },
    });
    expect(evaluateFollowups([r], [delivered()], at(2))).toEqual([
      {
        ruleId: 1,
        causeKey: 'order:12:delivered',
        type: 'call',
        subject: 'How was SO-000012, Acme?',
        customerId: 7,
        orderId: 12,
        opportunityId: null,
        ownerRepId: 3,
        dueAt: at(8),
      },
    ]);
  });

  it('applies conditions: customer group and minimum order total (exact decimals)', () => {
    const r = rule({ trigger: 'order_delivered', condition: { customerGroups: ['wholesale'] } });
    expect(ruleMatches(r, delivered(), at(2))).toBe(false);
    expect(ruleMatches(r, delivered({ customerGroup: 'wholesale' }), at(2))).toBe(true);
    expect(ruleMatches(r, delivered({ customerGroup: null }), at(2))).toBe(false);
    const min = rule({ trigger: 'order_delivered', condition: { minOrderTotal: '250.01' } });
    expect(ruleMatches(min, delivered(), at(2))).toBe(false);
    expect(ruleMatches(min, delivered({ orderTotal: '250.01' }), at(2))).toBe(true);
    expect(ruleMatches(min, delivered({ orderTotal: '10000000000.00' }), at(2))).toBe(true);
  });

  it('does not replay events from before the rule existed', () => {
    const r = rule({ trigger: 'order_delivered', createdAt: at(5) });
    expect(ruleMatches(r, delivered({ at: at(4) }), at(6))).toBe(false);
    expect(ruleMatches(r, delivered({ at: at(5) }), at(6))).toBe(true);
    const welcome = rule({ trigger: 'customer_created', createdAt: at(5) });
    expect(
      ruleMatches(welcome, { trigger: 'customer_created', at: at(4), ...customer }, at(6)),
    ).toBe(false);
    expect(
      ruleMatches(welcome, { trigger: 'customer_created', at: at(6), ...customer }, at(6)),
    ).toBe(true);
  });

  it('idle opportunities: 14 days by default, only open stages, stage filter, due from now', () => {
    const r = rule({ trigger: 'opportunity_idle' });
    expect(ruleMatches(r, idle(13), t0)).toBe(false);
    expect(ruleMatches(r, idle(14), t0)).toBe(true);
    expect(ruleMatches(r, idle(30, { stage: 'won' } as never), t0)).toBe(false);
    expect(ruleMatches(r, idle(30, { stage: 'lost' } as never), t0)).toBe(false);
    const short = rule({
      trigger: 'opportunity_idle',
      condition: { idleDays: 3, stages: ['negotiation'] },
    });
    expect(ruleMatches(short, idle(3), t0)).toBe(false);
    expect(ruleMatches(short, idle(3, { stage: 'negotiation' } as never), t0)).toBe(true);
    const [planned] = evaluateFollowups(
      [
        rule({
          trigger: 'opportunity_idle',
          action: { activityType: 'task', subject: 'Chase {opportunity}', dueInDays: 2 },
        }),
      ],
      [idle(20)],
      t0,
    );
    expect(planned).toMatchObject({
      subject: 'Chase Big deal',
      opportunityId: 5,
      orderId: null,
      dueAt: at(2),
    });
  });

  it('keys causes so a rule fires once per cause (idle: once per quiet spell)', () => {
    expect(causeKeyOf({ trigger: 'customer_created', at: t0, ...customer })).toBe(
      'customer:7:created',
    );
    expect(causeKeyOf(idle(20))).toBe(`opportunity:5:idle-since:${at(-20).toISOString()}`);
    expect(causeKeyOf(idle(20))).not.toBe(causeKeyOf(idle(21)));
  });

  it('assigns to a fixed rep when the rule says so, and ignores causes of other triggers', () => {
    const r = rule({
      trigger: 'customer_created',
      action: { activityType: 'email', subject: 'Welcome', dueInDays: 1, assignToRepId: 99 },
    });
    const planned = evaluateFollowups(
      [r],
      [delivered(), { trigger: 'customer_created', at: at(1), ...customer }],
      at(1),
    );
    expect(planned).toHaveLength(1);
    expect(planned[0]).toMatchObject({ ownerRepId: 99, type: 'email', dueAt: at(2) });
  });

  it('churn risk: at least 0.6 and monetary score at least 4 by default, exact decimals', () => {
    const r = rule({ trigger: 'churn_risk' });
    expect(ruleMatches(r, churn(), t0)).toBe(true);
    expect(ruleMatches(r, churn({ churnRisk: '0.6000' } as never), t0)).toBe(true);
    expect(ruleMatches(r, churn({ churnRisk: '0.5999' } as never), t0)).toBe(false);
    expect(ruleMatches(r, churn({ monetaryScore: 3 } as never), t0)).toBe(false);
    expect(ruleMatches(r, churn({ monetaryScore: 5 } as never), t0)).toBe(true);
    // Not scored on money (no revenue): not known to be high value.
    expect(ruleMatches(r, churn({ monetaryScore: null } as never), t0)).toBe(false);
    // A rule made after the run still acts on it: the run is the current state, not an event.
    expect(ruleMatches(rule({ trigger: 'churn_risk', createdAt: at(30) }), churn(), t0)).toBe(true);
  });

  it("churn risk: the rule's own thresholds, segments and customer groups", () => {
    const r = rule({
      trigger: 'churn_risk',
      condition: {
        minChurnRisk: '0.8',
        minMonetaryScore: 2,
        segments: ['cant_lose', 'at_risk'],
        customerGroups: ['retail'],
      },
    });
    expect(ruleMatches(r, churn(), t0)).toBe(false);
    const high = { churnRisk: '0.8000', monetaryScore: 2 };
    expect(ruleMatches(r, churn(high as never), t0)).toBe(true);
    expect(ruleMatches(r, churn({ ...high, segment: 'lost' } as never), t0)).toBe(false);
    expect(ruleMatches(r, churn({ ...high, segment: null } as never), t0)).toBe(false);
    expect(ruleMatches(r, churn({ ...high, customerGroup: 'wholesale' } as never), t0)).toBe(false);
  });

  it('churn risk: one task per customer per run, for the owner rep, due from now', () => {
    const r = rule({
      trigger: 'churn_risk',
      action: {
        activityType: 'call',
        subject: 'Win back {customer} ({segment}, churn risk {churnRisk})',
        dueInDays: 3,
      },
    });
    expect(causeKeyOf(churn())).toBe('churn:7:9');
    expect(causeKeyOf(churn({ runId: 10 } as never))).toBe('churn:7:10');
    expect(evaluateFollowups([r], [churn()], at(1))).toEqual([
      {
        ruleId: 1,
        causeKey: 'churn:7:9',
        type: 'call',
        subject: 'Win back Acme (At risk, churn risk 72 %)',
        customerId: 7,
        orderId: null,
        opportunityId: null,
        ownerRepId: 3,
        dueAt: at(4),
      },
    ]);
  });
});

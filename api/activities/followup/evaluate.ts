/**
 * The follow-up evaluator, pure: given the active rules, what happened (causes) and the time,
 * which activities should exist. It never reads the database; ./apply.ts gathers the causes and
 * writes the result, and the (rule, cause key) unique index makes writing it twice harmless.
 */
import type { ActivityType, FollowupTrigger } from '../../../db/schema-crm.ts';
import { compareDecimal } from '../../orders/money.ts';
import { OPEN_STAGES, type Stage } from '../../opportunities/stages.ts';
import type { FollowupAction, FollowupCondition } from './schemas.ts';
import { rfmSegmentLabel } from '../../../segment/rfm-segments.ts';

/** The idle period "opportunity without activity" uses when the rule does not say. */
export const DEFAULT_IDLE_DAYS = 14;
/**
 * churn_risk: "high churn risk" unless the rule says otherwise — the churn tree's leaf puts at
 * least 60 % of its training customers among those who did not order in the next 90 days.
 */
export const DEFAULT_MIN_CHURN_RISK = '0.6';
/**
 * churn_risk: "high value" unless the rule says otherwise — RFM monetary score 4 or 5, the top
 * two fifths of buying customers by revenue (docs/metrics.md, RFM scores).
 */
export const DEFAULT_MIN_MONETARY_SCORE = 4;
const DAY_MS = 86_400_000;

/** A rule as the evaluator needs it. */
export interface EvaluatedRule {
  id: number;
  trigger: FollowupTrigger;
  condition: FollowupCondition;
  action: FollowupAction;
  /** Event triggers fire only for events at or after this (a new rule does not replay history). */
  createdAt: Date;
}

/** What every cause says about its customer (api/activities/followup/repository.ts reads it). */
export interface CustomerFacts {
  customerId: number;
  customerName: string;
  customerGroup: string | null;
  /** The rep a created task goes to unless the rule names one. */
  ownerRepId: number | null;
}

/** Something that happened (or a state that holds) which a rule may react to. */
export type FollowupCause =
  | (CustomerFacts & {
      trigger: 'order_delivered';
      orderId: number;
      orderNumber: string;
      orderTotal: string;
      at: Date;
    })
  | (CustomerFacts & { trigger: 'customer_created'; at: Date })
  | (CustomerFacts & {
      trigger: 'opportunity_idle';
      opportunityId: number;
      title: string;
      stage: Stage;
      /** Latest of: creation, last stage change, last activity created or done. */
      lastTouchAt: Date;
    })
  | (CustomerFacts & {
      trigger: 'churn_risk';
      /** The segment run (segment_runs.id) that scored the customer: the newest succeeded one. */
      runId: number;
      /** numeric(5,4) as text, 0…1. */
      churnRisk: string;
      segment: string | null;
      monetaryScore: number | null;
    });

/** An activity the rules want to exist. */
export interface PlannedActivity {
  ruleId: number;
  causeKey: string;
  type: ActivityType;
  subject: string;
  customerId: number;
  orderId: number | null;
  opportunityId: number | null;
  ownerRepId: number | null;
  dueAt: Date;
}

/**
 * The identity of a cause: a rule fires at most once per key. An idle opportunity's key includes
 * when it went quiet, so it can be nudged again after a later quiet spell, never twice for one.
 */
export function causeKeyOf(cause: FollowupCause): string {
  switch (cause.trigger) {
    case 'order_delivered':
      return `order:${cause.orderId}:delivered`;
    case 'customer_created':
      return `customer:${cause.customerId}:created`;
    case 'opportunity_idle':
      return `opportunity:${cause.opportunityId}:idle-since:${cause.lastTouchAt.toISOString()}`;
    case 'churn_risk':
      return `churn:${cause.customerId}:${cause.runId}`;
  }
}

/** Does `rule` fire for `cause` at `now`? */
export function ruleMatches(rule: EvaluatedRule, cause: FollowupCause, now: Date): boolean {
  if (rule.trigger !== cause.trigger) return false;
  const c = rule.condition;
  if (c.customerGroups && !c.customerGroups.includes(cause.customerGroup ?? '')) return false;
  switch (cause.trigger) {
    case 'order_delivered':
      if (cause.at < rule.createdAt) return false;
      return !c.minOrderTotal || compareDecimal(cause.orderTotal, c.minOrderTotal) >= 0;
    case 'customer_created':
      return cause.at >= rule.createdAt;
    case 'opportunity_idle': {
      if (!OPEN_STAGES.includes(cause.stage)) return false;
      if (c.stages && !(c.stages as readonly Stage[]).includes(cause.stage)) return false;
      const idleMs = (c.idleDays ?? DEFAULT_IDLE_DAYS) * DAY_MS;
      return now.getTime() - cause.lastTouchAt.getTime() >= idleMs;
    }
    case 'churn_risk':
      // A state, like an idle opportunity: a rule made today acts on the newest run at once.
      if (compareDecimal(cause.churnRisk, c.minChurnRisk ?? DEFAULT_MIN_CHURN_RISK) < 0)
        return false;
      if (
        cause.monetaryScore === null ||
        cause.monetaryScore < (c.minMonetaryScore ?? DEFAULT_MIN_MONETARY_SCORE)
      )
        return false;
      return !c.segments || (cause.segment !== null && c.segments.includes(cause.segment as never));
  }
}

/** A churn risk for a subject: "72 %" (whole percent; the fraction has four places). */
function percent(fraction: string): string {
  return `${Math.round(Number(fraction) * 100)} %`;
}

function fillSubject(template: string, cause: FollowupCause): string {
  const order = cause.trigger === 'order_delivered' ? cause.orderNumber : '';
  const opportunity = cause.trigger === 'opportunity_idle' ? cause.title : '';
  const churn = cause.trigger === 'churn_risk' ? cause : null;
  return template
    .replaceAll('{customer}', cause.customerName)
    .replaceAll('{order}', order)
    .replaceAll('{opportunity}', opportunity)
    .replaceAll('{segment}', churn?.segment ? rfmSegmentLabel(churn.segment) : '')
    .replaceAll('{churnRisk}', churn ? percent(churn.churnRisk) : '')
    .slice(0, 300);
}

/** Every activity the rules want for these causes (the caller skips ones that already exist). */
export function evaluateFollowups(
  rules: readonly EvaluatedRule[],
  causes: readonly FollowupCause[],
  now: Date,
): PlannedActivity[] {
  const out: PlannedActivity[] = [];
  for (const rule of rules) {
    for (const cause of causes) {
      if (!ruleMatches(rule, cause, now)) continue;
      // Event follow-ups count from the event ("7 days after delivery"); states (an idle
      // opportunity, a customer at churn risk) from now.
      const base =
        cause.trigger === 'opportunity_idle' || cause.trigger === 'churn_risk' ? now : cause.at;
      out.push({
        ruleId: rule.id,
        causeKey: causeKeyOf(cause),
        type: rule.action.activityType,
        subject: fillSubject(rule.action.subject, cause),
        customerId: cause.customerId,
        orderId: cause.trigger === 'order_delivered' ? cause.orderId : null,
        opportunityId: cause.trigger === 'opportunity_idle' ? cause.opportunityId : null,
        ownerRepId: rule.action.assignToRepId ?? cause.ownerRepId,
        dueAt: new Date(base.getTime() + rule.action.dueInDays * DAY_MS),
      });
    }
  }
  return out;
}

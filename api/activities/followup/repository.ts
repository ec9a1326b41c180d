/**
 * SQL for follow-up rules and for gathering the causes they react to. Gathering is per rule and
 * skips causes the rule already answered (anti-join on the activities it created), so a job that
 * runs every few minutes reads only what is new.
 */
import { sql, type Insertable, type Kysely, type Transaction, type Updateable } from 'kysely';
import type { IdPage } from '../../pagination.ts';
import type { DB } from '../../../db/schema.ts';
import type { FollowupRulesTable, FollowupTrigger } from '../../../db/schema-crm.ts';
import { OPEN_STAGES } from '../../opportunities/stages.ts';
import {
  DEFAULT_MIN_CHURN_RISK,
  DEFAULT_MIN_MONETARY_SCORE,
  type CustomerFacts,
  type FollowupCause,
} from './evaluate.ts';
import type { FollowupCondition } from './schemas.ts';
import { updateRowById } from '../../../db/update-row.ts';

type Db = Kysely<DB> | Transaction<DB>;

/**
 * The customer columns every cause reader selects, from `customers as c`, and their mapper: one
 * list, so a new fact a rule needs about the customer is added once for every trigger.
 */
const CUSTOMER_FACT_COLUMNS = [
  'c.id as customer_id',
  'c.name',
  'c.customer_group',
  'c.owner_rep_id',
] as const;

interface CustomerFactRow {
  customer_id: number;
  name: string;
  customer_group: string | null;
  owner_rep_id: number | null;
}

function customerFacts(r: CustomerFactRow): CustomerFacts {
  return {
    customerId: r.customer_id,
    customerName: r.name,
    customerGroup: r.customer_group,
    ownerRepId: r.owner_rep_id,
  };
}

/** Narrow gathering to one record (the event that triggered it), when given. */
export interface CauseFilter {
  customerId?: number;
  orderId?: number;
  opportunityId?: number;
}

export function listRules(
  db: Db,
  opts: { activeOnly?: boolean; triggers?: FollowupTrigger[] } = {},
  page?: IdPage,
) {
  let q = db.selectFrom('followup_rules').selectAll().where('deleted_at', 'is', null);
  if (opts.activeOnly) q = q.where('active', '=', true);
  if (opts.triggers) q = q.where('trigger', 'in', opts.triggers);
  if (page?.afterId !== undefined) q = q.where('id', '>', page.afterId);
  q = q.orderBy('id');
  return (page ? q.limit(page.limit) : q).execute();
}

/** A live follow-up rule; `lock`: FOR NO KEY UPDATE, for an update that follows (db/update-row.ts). */
export function findRule(db: Db, id: number, opts: { lock?: boolean } = {}) {
  return db
    .selectFrom('followup_rules')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .$if(opts.lock === true, (q) => q.forNoKeyUpdate())
    .executeTakeFirst();
}

export function insertRule(db: Db, row: Insertable<FollowupRulesTable>) {
  return db.insertInto('followup_rules').values(row).returningAll().executeTakeFirstOrThrow();
}

export function updateRule(db: Db, id: number, set: Updateable<FollowupRulesTable>) {
  return updateRowById(db, 'followup_rules', id, set);
}

/** 'order.delivered' events since the rule was created whose order it has not answered yet. */
export async function deliveredCauses(
  db: Db,
  rule: { id: number; createdAt: Date },
  f: CauseFilter,
): Promise<FollowupCause[]> {
  let q = db
    .selectFrom('order_events as e')
    .innerJoin('orders as o', 'o.id', 'e.order_id')
    .innerJoin('customers as c', 'c.id', 'o.customer_id')
    .select([
      'e.occurred_at',
      'o.id as order_id',
      'o.number',
      'o.total',
      'o.rep_id',
      ...CUSTOMER_FACT_COLUMNS,
    ])
    .where('e.event_type', '=', 'order.delivered')
    .where('e.occurred_at', '>=', rule.createdAt)
    .where('o.deleted_at', 'is', null)
    .where('c.deleted_at', 'is', null)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('activities as a')
            .select('a.id')
            .where('a.followup_rule_id', '=', rule.id)
            .whereRef('a.order_id', '=', 'o.id'),
        ),
      ),
    );
  if (f.orderId) q = q.where('o.id', '=', f.orderId);
  if (f.customerId) q = q.where('c.id', '=', f.customerId);
  const rows = await q.orderBy('e.id').execute();
  return rows.map((r) => ({
    trigger: 'order_delivered' as const,
    at: r.occurred_at,
    orderId: r.order_id,
    orderNumber: r.number,
    orderTotal: r.total,
    ...customerFacts(r),
    ownerRepId: r.owner_rep_id ?? r.rep_id,
  }));
}

/** Customers created since the rule was, that it has not answered yet. */
export async function newCustomerCauses(
  db: Db,
  rule: { id: number; createdAt: Date },
  f: CauseFilter,
): Promise<FollowupCause[]> {
  let q = db
    .selectFrom('customers as c')
    .select([...CUSTOMER_FACT_COLUMNS, 'c.created_at'])
    .where('c.created_at', '>=', rule.createdAt)
    .where('c.deleted_at', 'is', null)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('activities as a')
            .select('a.id')
            .where('a.followup_rule_id', '=', rule.id)
            .whereRef('a.customer_id', '=', 'c.id'),
        ),
      ),
    );
  if (f.customerId) q = q.where('c.id', '=', f.customerId);
  const rows = await q.orderBy('c.id').execute();
  return rows.map((r) => ({
    trigger: 'customer_created' as const,
    at: r.created_at,
    ...customerFacts(r),
  }));
}

/** Open opportunities untouched since `quietSince` (creation, stage change or activity). */
export async function idleOpportunityCauses(
  db: Db,
  quietSince: Date,
  f: CauseFilter,
): Promise<FollowupCause[]> {
  const lastTouch = sql<Date>`greatest(
    o.created_at,
    (SELECT max(h.changed_at) FROM opportunity_stage_history h WHERE h.opportunity_id = o.id),
    (SELECT max(greatest(a.created_at, a.done_at)) FROM activities a
      WHERE a.opportunity_id = o.id AND a.deleted_at IS NULL)
  )`;
  let q = db
    .selectFrom('opportunities as o')
    .innerJoin('customers as c', 'c.id', 'o.customer_id')
    .select([
      'o.id',
      'o.title',
      'o.stage',
      'o.owner_rep_id as opp_owner',
      ...CUSTOMER_FACT_COLUMNS,
      lastTouch.as('last_touch'),
    ])
    .where('o.deleted_at', 'is', null)
    .where('c.deleted_at', 'is', null)
    .where('o.stage', 'in', OPEN_STAGES)
    .where(lastTouch, '<=', quietSince);
  if (f.opportunityId) q = q.where('o.id', '=', f.opportunityId);
  if (f.customerId) q = q.where('c.id', '=', f.customerId);
  const rows = await q.orderBy('o.id').execute();
  return rows.map((r) => ({
    trigger: 'opportunity_idle' as const,
    opportunityId: r.id,
    title: r.title,
    stage: r.stage,
    lastTouchAt: r.last_touch,
    ...customerFacts(r),
    // The opportunity's owner is the one to chase it.
    ownerRepId: r.opp_owner ?? r.owner_rep_id,
  }));
}

/**
 * Customers the newest succeeded segment run scored at or above the rule's churn risk and
 * monetary score (the evaluator checks the rest), that the rule has not answered for this run.
 * Older runs are never read: a customer who has recovered since must not get a task from a
 * month-old score. Nor is a run whose churn tree did not beat the majority baseline on its
 * holdout: its risks are kept for the record, but it learnt nothing a rep should act on.
 *
 * Left out: deleted customers (as every trigger does), blocked ones — a manager blocked their
 * orders, and a rep sent to win back a customer the business refuses to sell to works against
 * that decision; unblocked, they are picked up by the next apply — and customers who still have
 * an open task (not done, not deleted) from this rule, from an earlier run: nightly runs would
 * otherwise stack one more task each night on a rep who has not reached the first. Once that task
 * is done or deleted, the next run that still finds the risk creates a new one.
 */
export async function churnRiskCauses(
  db: Db,
  rule: { id: number; condition: FollowupCondition },
  f: CauseFilter,
): Promise<FollowupCause[]> {
  const c = rule.condition;
  let q = db
    .selectFrom((eb) =>
      eb
        .selectFrom('segment_runs')
        .select([
          'id',
          // Did the run's churn tree beat the majority baseline on its holdout (segment/run.ts)?
          sql<boolean>`coalesce((summary -> 'churn' ->> 'beatsBaseline')::boolean, false)`.as(
            'beats_baseline',
          ),
        ])
        .where('status', '=', 'succeeded')
        .orderBy('id', 'desc')
        .limit(1)
        .as('r'),
    )
    .innerJoin('customer_scores as s', 's.run_id', 'r.id')
    .innerJoin('customers as c', 'c.id', 's.customer_id')
    .select([
      'r.id as run_id',
      's.churn_risk',
      's.segment',
      's.monetary_score',
      ...CUSTOMER_FACT_COLUMNS,
    ])
    .where('r.beats_baseline', '=', true)
    .where('c.deleted_at', 'is', null)
    .where('c.blocked', '=', false)
    .where('s.churn_risk', '>=', sql<string>`${c.minChurnRisk ?? DEFAULT_MIN_CHURN_RISK}::numeric`)
    .where('s.monetary_score', '>=', c.minMonetaryScore ?? DEFAULT_MIN_MONETARY_SCORE)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('activities as a')
            .select('a.id')
            .where('a.followup_rule_id', '=', rule.id)
            .whereRef('a.customer_id', '=', 'c.id')
            .where((w) =>
              w.or([
                w('a.cause_key', '=', sql<string>`'churn:' || c.id || ':' || r.id`),
                w.and([w('a.done_at', 'is', null), w('a.deleted_at', 'is', null)]),
              ]),
            ),
        ),
      ),
    );
  if (c.segments) q = q.where('s.segment', 'in', c.segments);
  if (f.customerId) q = q.where('c.id', '=', f.customerId);
  const rows = await q.orderBy('c.id').execute();
  return rows.map((r) => ({
    trigger: 'churn_risk' as const,
    runId: r.run_id,
    churnRisk: r.churn_risk!,
    segment: r.segment,
    monetaryScore: r.monetary_score,
    ...customerFacts(r),
  }));
}

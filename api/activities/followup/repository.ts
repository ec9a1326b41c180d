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
import type { FollowupCause } from './evaluate.ts';
import { updateRowById } from '../../../db/update-row.ts';

type Db = Kysely<DB> | Transaction<DB>;

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
      'c.id as customer_id',
      'c.name',
      'c.customer_group',
      'c.owner_rep_id',
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
    customerId: r.customer_id,
    customerName: r.name,
    customerGroup: r.customer_group,
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
    .select(['c.id', 'c.name', 'c.customer_group', 'c.owner_rep_id', 'c.created_at'])
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
    customerId: r.id,
    customerName: r.name,
    customerGroup: r.customer_group,
    ownerRepId: r.owner_rep_id,
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
      'c.id as customer_id',
      'c.name',
      'c.customer_group',
      'c.owner_rep_id',
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
    customerId: r.customer_id,
    customerName: r.name,
    customerGroup: r.customer_group,
    // The opportunity's owner is the one to chase it.
    ownerRepId: r.opp_owner ?? r.owner_rep_id,
  }));
}

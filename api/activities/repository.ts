/** SQL for activities. Visibility follows both the activity's owner and its customer's owner. */
import { sql, type Insertable, type Kysely, type Transaction, type Updateable } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { ActivitiesTable, ActivityType } from '../../db/schema-crm.ts';
import { ownerVisible } from '../auth/scope.ts';
import { updateRowById } from '../../db/update-row.ts';

type Db = Kysely<DB> | Transaction<DB>;

/**
 * The activity with its customer's owner (for the scope check), if not deleted; `lock`: the
 * activity FOR NO KEY UPDATE (not the customer), for an update that follows.
 */
export function findActivity(db: Db, id: number, opts: { lock?: boolean } = {}) {
  return db
    .selectFrom('activities as a')
    .leftJoin('customers as c', 'c.id', 'a.customer_id')
    .selectAll('a')
    .select('c.owner_rep_id as customer_owner_rep_id')
    .where('a.id', '=', id)
    .where('a.deleted_at', 'is', null)
    .$if(opts.lock === true, (q) => q.forNoKeyUpdate('a'))
    .executeTakeFirst();
}

export function insertActivity(db: Db, row: Insertable<ActivitiesTable>) {
  return db.insertInto('activities').values(row).returningAll().executeTakeFirstOrThrow();
}

export function updateActivity(db: Db, id: number, set: Updateable<ActivitiesTable>) {
  return updateRowById(db, 'activities', id, set);
}

/** List filters, already resolved (owner "me" → a rep id). */
export interface ActivityFilters {
  ownerRepId?: number;
  overdue?: boolean;
  dueToday?: boolean;
  open?: boolean;
  type?: ActivityType;
  customerId?: number;
  opportunityId?: number;
  orderId?: number;
}

/** One page (limit + 1 rows) of visible activities after id `after`. */
export function listActivities(
  db: Db,
  f: ActivityFilters,
  team: number[] | null,
  clock: { now: Date; timezone: string },
  after: number | undefined,
  limit: number,
) {
  let q = db
    .selectFrom('activities as a')
    .leftJoin('customers as c', 'c.id', 'a.customer_id')
    .selectAll('a')
    .where('a.deleted_at', 'is', null)
    .where(ownerVisible('a.owner_rep_id', team))
    .where(ownerVisible('c.owner_rep_id', team));
  if (after !== undefined) q = q.where('a.id', '>', after);
  if (f.ownerRepId) q = q.where('a.owner_rep_id', '=', f.ownerRepId);
  if (f.type) q = q.where('a.activity_type', '=', f.type);
  if (f.customerId) q = q.where('a.customer_id', '=', f.customerId);
  if (f.opportunityId) q = q.where('a.opportunity_id', '=', f.opportunityId);
  if (f.orderId) q = q.where('a.order_id', '=', f.orderId);
  if (f.open !== undefined) q = q.where('a.done_at', f.open ? 'is' : 'is not', null);
  if (f.overdue !== undefined) {
    const overdue = sql<boolean>`(a.done_at IS NULL AND a.due_at < ${clock.now})`;
    q = q.where(overdue, '=', f.overdue);
  }
  if (f.dueToday) {
    // Midnight-to-midnight of the current business day in the configured zone.
    const today = sql`date_trunc('day', ${clock.now}::timestamptz AT TIME ZONE ${clock.timezone})`;
    q = q
      .where('a.due_at', '>=', sql<Date>`(${today} AT TIME ZONE ${clock.timezone})`)
      .where(
        'a.due_at',
        '<',
        sql<Date>`((${today} + interval '1 day') AT TIME ZONE ${clock.timezone})`,
      );
  }
  return q
    .orderBy('a.id')
    .limit(limit + 1)
    .execute();
}

/** Not-done activities of a customer the caller may see, soonest due first (customer picture). */
export function openActivitiesOfCustomer(db: Db, customerId: number, team: number[] | null) {
  return db
    .selectFrom('activities as a')
    .selectAll('a')
    .where('a.customer_id', '=', customerId)
    .where('a.deleted_at', 'is', null)
    .where('a.done_at', 'is', null)
    .where(ownerVisible('a.owner_rep_id', team))
    .orderBy(sql`a.due_at ASC NULLS LAST`)
    .orderBy('a.id')
    .limit(100)
    .execute();
}

/** SQL for opportunities, their lines and stage history. */
import type { Insertable, Kysely, Transaction, Updateable } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { OpportunitiesTable, OpportunityLinesTable } from '../../db/schema-crm.ts';
import { ownerVisible, type Scope } from '../auth/scope.ts';
import { OPEN_STAGES, type Stage } from './stages.ts';
import { updateRowById } from '../../db/update-row.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** A live opportunity by id (no scope check). */
export function findOpportunity(db: Db, id: number) {
  return db
    .selectFrom('opportunities')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/**
 * The live opportunity with its customer's owner rep, for the scope check; `lock`: the
 * opportunity FOR NO KEY UPDATE (not the customer), for an update that follows.
 */
export function findWithCustomerOwner(db: Db, id: number, opts: { lock?: boolean } = {}) {
  return db
    .selectFrom('opportunities as o')
    .innerJoin('customers as c', 'c.id', 'o.customer_id')
    .selectAll('o')
    .select('c.owner_rep_id as customer_owner_rep_id')
    .where('o.id', '=', id)
    .where('o.deleted_at', 'is', null)
    .$if(opts.lock === true, (q) => q.forNoKeyUpdate('o'))
    .executeTakeFirst();
}

export function insertOpportunity(db: Db, row: Insertable<OpportunitiesTable>) {
  return db.insertInto('opportunities').values(row).returningAll().executeTakeFirstOrThrow();
}

export function updateOpportunity(db: Db, id: number, set: Updateable<OpportunitiesTable>) {
  return updateRowById(db, 'opportunities', id, set);
}

export interface OpportunityFilters {
  stage?: Stage;
  open?: boolean;
  ownerRepId?: number;
  customerId?: number;
}

/** One page (limit + 1) of opportunities visible under `scope`, by id. */
export function listOpportunities(
  db: Db,
  f: OpportunityFilters,
  scope: Scope,
  after: number | undefined,
  limit: number,
) {
  let q = db
    .selectFrom('opportunities as o')
    .innerJoin('customers as c', 'c.id', 'o.customer_id')
    .selectAll('o')
    .where('o.deleted_at', 'is', null)
    .where(ownerVisible('o.owner_rep_id', scope.pipeline))
    .where(ownerVisible('c.owner_rep_id', scope.team));
  if (after !== undefined) q = q.where('o.id', '>', after);
  if (f.stage) q = q.where('o.stage', '=', f.stage);
  if (f.open !== undefined) q = q.where('o.stage', f.open ? 'in' : 'not in', OPEN_STAGES);
  if (f.ownerRepId) q = q.where('o.owner_rep_id', '=', f.ownerRepId);
  if (f.customerId) q = q.where('o.customer_id', '=', f.customerId);
  return q
    .orderBy('o.id')
    .limit(limit + 1)
    .execute();
}

export function listLines(db: Db, opportunityId: number) {
  return db
    .selectFrom('opportunity_lines')
    .selectAll()
    .where('opportunity_id', '=', opportunityId)
    .orderBy('line_no')
    .execute();
}

/** Replace all lines of an opportunity. */
export async function replaceLines(
  db: Db,
  opportunityId: number,
  lines: Omit<Insertable<OpportunityLinesTable>, 'opportunity_id'>[],
) {
  await db.deleteFrom('opportunity_lines').where('opportunity_id', '=', opportunityId).execute();
  if (!lines.length) return [];
  return db
    .insertInto('opportunity_lines')
    .values(lines.map((l) => ({ ...l, opportunity_id: opportunityId })))
    .returningAll()
    .execute();
}

export function insertStageChange(
  db: Db,
  row: {
    opportunity_id: number;
    from_stage: Stage | null;
    to_stage: Stage;
    changed_by_key_id: number | null;
    changed_at: Date;
  },
) {
  return db.insertInto('opportunity_stage_history').values(row).execute();
}

export function listStageHistory(db: Db, opportunityId: number) {
  return db
    .selectFrom('opportunity_stage_history')
    .selectAll()
    .where('opportunity_id', '=', opportunityId)
    .orderBy('id')
    .execute();
}

/** Live products by id, for pricing lines. */
export function productsByIds(db: Db, ids: number[]) {
  if (!ids.length) return Promise.resolve([]);
  return db
    .selectFrom('products')
    .select(['id', 'list_price', 'cost', 'active'])
    .where('id', 'in', ids)
    .where('deleted_at', 'is', null)
    .execute();
}

/** A customer's opportunities the caller may see, open ones first (customer picture). */
export function opportunitiesOfCustomer(db: Db, customerId: number, pipeline: number[] | null) {
  return db
    .selectFrom('opportunities as o')
    .selectAll('o')
    .where('o.customer_id', '=', customerId)
    .where('o.deleted_at', 'is', null)
    .where(ownerVisible('o.owner_rep_id', pipeline))
    .orderBy('o.closed_at', 'desc')
    .orderBy('o.id', 'desc')
    .limit(100)
    .execute();
}

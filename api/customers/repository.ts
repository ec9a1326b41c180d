/** SQL for customers and contacts. Plain functions over a Kysely or a transaction. */
import { sql, type Insertable, type Kysely, type Transaction, type Updateable } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { ContactsTable, CustomersTable } from '../../db/schema-crm.ts';
import { ownerVisible } from '../auth/scope.ts';
import { updateRowById } from '../../db/update-row.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** Order statuses that still need work (shown as the customer's open orders). */
export const OPEN_ORDER_STATUSES = ['draft', 'pending_approval', 'confirmed', 'shipped'] as const;
/** Statuses that are not revenue (docs/metrics.md: revenue order). */
export const NON_REVENUE_STATUSES = ['draft', 'pending_approval', 'cancelled'] as const;

/**
 * The customer with this id; soft-deleted ones only when `deleted` is true. `lock`: FOR NO KEY
 * UPDATE, for an update that follows (db/update-row.ts); not FOR UPDATE, which would also hold
 * off every insert that references the customer (an order, a contact) until commit.
 */
export function findCustomer(db: Db, id: number, opts: { deleted?: boolean; lock?: boolean } = {}) {
  let q = db.selectFrom('customers').selectAll().where('id', '=', id);
  q = opts.deleted ? q.where('deleted_at', 'is not', null) : q.where('deleted_at', 'is', null);
  if (opts.lock) q = q.forNoKeyUpdate();
  return q.executeTakeFirst();
}

/** Another customer (deleted or not) already holding `code`. */
export function findByCode(db: Db, code: string, exceptId?: number) {
  let q = db
    .selectFrom('customers')
    .select(['id', 'code', 'name', 'deleted_at'])
    .where('code', '=', code);
  if (exceptId) q = q.where('id', '<>', exceptId);
  return q.executeTakeFirst();
}

/** Another active customer holding `email`, compared case-insensitively like the unique index. */
export function findByEmail(db: Db, email: string, exceptId?: number) {
  let q = db
    .selectFrom('customers')
    .select(['id', 'code', 'name', 'deleted_at'])
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .where('deleted_at', 'is', null);
  if (exceptId) q = q.where('id', '<>', exceptId);
  return q.executeTakeFirst();
}

export function insertCustomer(db: Db, row: Insertable<CustomersTable>) {
  return db.insertInto('customers').values(row).returningAll().executeTakeFirstOrThrow();
}

/** Update a live customer, or a soft-deleted one with `deleted: true` (a restore). */
export function updateCustomer(
  db: Db,
  id: number,
  set: Updateable<CustomersTable>,
  opts: { deleted?: boolean } = {},
) {
  return updateRowById(db, 'customers', id, set, opts);
}

/** Filters of the customer list; all optional. */
export interface CustomerFilters {
  q?: string;
  group?: string;
  tag?: string;
  country?: string;
  ownerRepId?: number;
  deleted?: boolean;
  /** RFM segment code in the newest segment run. */
  segment?: string;
  /** Churn risk in the newest segment run at least this (a fraction as text, compared exactly). */
  churnRiskMin?: string;
}

/**
 * One page (limit + 1 rows) of visible customers after id `after`, by id, each with its scores of
 * segment run `runId` (api/customers/scores.ts; null: no run yet, no scores). The scores join on
 * the primary key (customer_id, run_id), one row per customer, so the keyset on the customer's
 * id pages exactly as without them; a filter on a score turns the join into an inner one.
 */
export function listCustomers(...args: Parameters<typeof customerListQuery>) {
  return customerListQuery(...args).execute();
}

/** listCustomers' query, unexecuted (bench/customer-scores.ts explains it). */
export function customerListQuery(
  db: Db,
  f: CustomerFilters,
  team: number[] | null,
  after: number | undefined,
  limit: number,
  runId: number | null,
) {
  let q = db
    .selectFrom('customers as c')
    .leftJoin('customer_scores as s', (j) =>
      j
        .onRef('s.customer_id', '=', 'c.id')
        .on('s.run_id', '=', runId ?? -1)
        // Implied by c.id > after, but the planner does not carry an inequality across the
        // join: said here, a later page's scan of the scores starts at the cursor too.
        .$call((on) => (after === undefined ? on : on.on('s.customer_id', '>', after))),
    )
    .selectAll('c')
    .select([
      's.segment as score_segment',
      's.recency_score as score_recency',
      's.frequency_score as score_frequency',
      's.monetary_score as score_monetary',
      's.cluster as score_cluster',
      's.cluster_label as score_cluster_label',
      's.churn_risk as score_churn_risk',
    ])
    .where(ownerVisible('c.owner_rep_id', team))
    .where('c.deleted_at', f.deleted ? 'is not' : 'is', null);
  if (after !== undefined) q = q.where('c.id', '>', after);
  if (f.q) {
    const like = `%${f.q.replace(/[\\%_]/g, '\\$&')}%`;
    q = q.where((eb) =>
      eb.or(
        (['c.code', 'c.name', 'c.email', 'c.phone', 'c.city'] as const).map((col) =>
          eb(col, 'ilike', like),
        ),
      ),
    );
  }
  if (f.group) q = q.where('c.customer_group', '=', f.group);
  if (f.country) q = q.where(sql<string>`lower(c.country)`, '=', f.country.toLowerCase());
  if (f.tag) q = q.where(sql<boolean>`c.tags @> ARRAY[${f.tag}]::text[]`, '=', true);
  if (f.ownerRepId) q = q.where('c.owner_rep_id', '=', f.ownerRepId);
  // A customer the run did not score has nulls here, which neither filter keeps.
  if (f.segment !== undefined) q = q.where('s.segment', '=', f.segment);
  if (f.churnRiskMin !== undefined)
    q = q.where('s.churn_risk', '>=', sql<string>`${f.churnRiskMin}::numeric`);
  return q.orderBy('c.id').limit(limit + 1);
}

/** How many of the customer's orders are still open. */
export async function countOpenOrders(db: Db, customerId: number): Promise<number> {
  const r = await db
    .selectFrom('orders')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('customer_id', '=', customerId)
    .where('deleted_at', 'is', null)
    .where('status', 'in', OPEN_ORDER_STATUSES)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

// --- contacts ---

export function listContacts(db: Db, customerId: number) {
  return db
    .selectFrom('contacts')
    .selectAll()
    .where('customer_id', '=', customerId)
    .where('deleted_at', 'is', null)
    .orderBy('is_primary', 'desc')
    .orderBy('id')
    .execute();
}

/** A live contact of the customer; `lock`: FOR NO KEY UPDATE, for an update that follows (db/update-row.ts). */
export function findContact(
  db: Db,
  customerId: number,
  contactId: number,
  opts: { lock?: boolean } = {},
) {
  return db
    .selectFrom('contacts')
    .selectAll()
    .where('id', '=', contactId)
    .where('customer_id', '=', customerId)
    .where('deleted_at', 'is', null)
    .$if(opts.lock === true, (q) => q.forNoKeyUpdate())
    .executeTakeFirst();
}

export function insertContact(db: Db, row: Insertable<ContactsTable>) {
  return db.insertInto('contacts').values(row).returningAll().executeTakeFirstOrThrow();
}

export function updateContact(db: Db, id: number, set: Updateable<ContactsTable>) {
  return updateRowById(db, 'contacts', id, set);
}

/** Clear the primary flag on the customer's other contacts (one primary per customer). */
export function clearOtherPrimaries(db: Db, customerId: number, keepId: number) {
  return db
    .updateTable('contacts')
    .set({ is_primary: false })
    .where('customer_id', '=', customerId)
    .where('id', '<>', keepId)
    .where('is_primary', '=', true)
    .returningAll()
    .execute();
}

/** A live contact by id alone (activities reference contacts directly). */
export function findContactById(db: Db, contactId: number) {
  return db
    .selectFrom('contacts')
    .selectAll()
    .where('id', '=', contactId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

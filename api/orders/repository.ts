/** SQL for orders, their lines, events and rules. */
import { sql, type Insertable, type Kysely, type Selectable, type Transaction } from 'kysely';
import { advanceOrderNumbers, NEXT_ORDER_NUMBER } from '../../db/order-numbers.ts';
import type { DB, Role } from '../../db/schema.ts';
import type { OrderStatus, OrdersTable } from '../../db/schema-orders.ts';
import { AppError } from '../errors.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** Statuses whose total counts against the credit limit while unpaid. */
const OPEN_STATUSES: OrderStatus[] = [
  'pending_approval',
  'confirmed',
  'shipped',
  'delivered',
  'returned',
];

/** An order as the actions lock it: the row plus what they need about its customer and creator. */
export type LockedOrder = Selectable<OrdersTable> & {
  customer_owner_rep_id: number | null;
  customer_blocked: boolean;
  customer_credit_limit: string | null;
  creator_role: Role | null;
};

/** The select list of a LockedOrder, over LOCKED_ORDER_FROM (orders alias `o`). */
export const LOCKED_ORDER_SELECT = sql`o.*, c.owner_rep_id AS customer_owner_rep_id,
  c.blocked AS customer_blocked, c.credit_limit AS customer_credit_limit, k.role AS creator_role`;
export const LOCKED_ORDER_FROM = sql`orders o
  JOIN customers c ON c.id = o.customer_id
  LEFT JOIN api_keys k ON k.id = o.created_by_key_id`;

/**
 * The order with what confirm/cancel need about its customer and creator, row-locked. Written
 * as SQL rather than built: it runs on every order action, and the builder's work was a
 * noticeable share of the app's CPU per order (bench/orders.ts).
 */
export async function lockOrder(db: Db, id: number) {
  const r = await sql<LockedOrder>`
    SELECT ${LOCKED_ORDER_SELECT} FROM ${LOCKED_ORDER_FROM}
    WHERE o.id = ${id} AND o.deleted_at IS NULL
    FOR UPDATE OF o`.execute(db);
  return r.rows[0];
}

/** Serialises credit-limit checks per customer. */
export function lockCustomer(db: Db, id: number) {
  return db.selectFrom('customers').select('id').where('id', '=', id).forUpdate().execute();
}

export function findOrder(db: Db, id: number) {
  return db
    .selectFrom('orders as o')
    .innerJoin('customers as c', 'c.id', 'o.customer_id')
    .selectAll('o')
    .select('c.owner_rep_id as customer_owner_rep_id')
    .where('o.id', '=', id)
    .where('o.deleted_at', 'is', null)
    .executeTakeFirst();
}

export function findLines(db: Db, orderId: number) {
  return db
    .selectFrom('order_lines')
    .selectAll()
    .where('order_id', '=', orderId)
    .orderBy('line_no')
    .execute();
}

export function findEvents(db: Db, orderId: number) {
  return db
    .selectFrom('order_events')
    .selectAll()
    .where('order_id', '=', orderId)
    .orderBy('id')
    .execute();
}

/** Σ total of the customer's other open, unpaid orders. */
export async function openUnpaidTotal(db: Db, customerId: number, exceptOrderId: number) {
  const r = await db
    .selectFrom('orders')
    .select(sql<string>`coalesce(sum(total), 0)::text`.as('total'))
    .where('customer_id', '=', customerId)
    .where('id', '<>', exceptOrderId)
    .where('status', 'in', OPEN_STATUSES)
    .where('paid_at', 'is', null)
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  return r.total;
}

export function activeRules(db: Db) {
  return db
    .selectFrom('order_rules')
    .select(['id', 'kind', 'params'])
    .where('active', '=', true)
    .orderBy('id')
    .execute();
}

/** Attempts at a free order number before giving up with a 409 (see insertOrder). */
const NUMBER_ATTEMPTS = 4;

/**
 * Insert a draft under the next free order number (SO-000001…). ON CONFLICT DO NOTHING keeps the
 * transaction usable when the number is taken (rows loaded or written by hand past the
 * sequence); then advanceOrderNumbers moves the sequence past every existing number, never
 * backwards however many creates do this at once, and the insert runs again — a few extra round
 * trips per collision, not one per taken number, and none in the normal case. A further attempt
 * is needed only when rows are loaded behind the sequence again in between.
 */
export async function insertOrder(db: Db, row: Omit<Insertable<OrdersTable>, 'number'>) {
  for (let attempt = 1; attempt <= NUMBER_ATTEMPTS; attempt++) {
    const order = await db
      .insertInto('orders')
      .values({ ...row, number: NEXT_ORDER_NUMBER })
      .onConflict((oc) => oc.column('number').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (order) return order;
    await advanceOrderNumbers(db);
  }
  throw new AppError('conflict', 'no free order number could be taken; try again');
}

/** An order event to append (payload any JSON value; `{}` when absent). */
export interface OrderEventInput {
  order_id: number;
  event_type: string;
  from_status: string | null;
  to_status: string | null;
  payload?: unknown;
  actor_key_id: number | null;
}

// No insertLines / insertEvent here: a new order and its order events are written only with
// their outbox event, in combined-sql.ts (new-order.ts, transition.ts).

/** Orders page (summary rows) with filters; `visible` limits to customers of these owner reps. */
export function listOrders(
  db: Db,
  f: {
    visible: number[] | null;
    status?: OrderStatus;
    customerId?: number;
    repId?: number;
    from?: Date;
    to?: Date;
    afterId?: number;
    limit: number;
  },
) {
  let q = db
    .selectFrom('orders as o')
    .innerJoin('customers as c', 'c.id', 'o.customer_id')
    .selectAll('o')
    .where('o.deleted_at', 'is', null);
  if (f.visible !== null) {
    const visible = f.visible;
    q = q.where((eb) =>
      visible.length > 0
        ? eb.or([eb('c.owner_rep_id', 'is', null), eb('c.owner_rep_id', 'in', visible)])
        : eb('c.owner_rep_id', 'is', null),
    );
  }
  if (f.status) q = q.where('o.status', '=', f.status);
  if (f.customerId !== undefined) q = q.where('o.customer_id', '=', f.customerId);
  if (f.repId !== undefined) q = q.where('o.rep_id', '=', f.repId);
  if (f.from) q = q.where('o.ordered_at', '>=', f.from);
  if (f.to) q = q.where('o.ordered_at', '<', f.to);
  if (f.afterId !== undefined) q = q.where('o.id', '>', f.afterId);
  return q.orderBy('o.id').limit(f.limit).execute();
}

/**
 * Statements that do the work of several in one round trip, for the order hot path (create +
 * confirm). Each SQL round trip costs the app's single thread ~0.3 ms of CPU here (a writev and
 * a read per query, measured with --cpu-prof on bench/orders.ts), and that thread is what bounds
 * order throughput.
 *
 * Rows that travel inside JSON carry numerics and timestamps as text and go through the same pg
 * type parsers as ordinary columns, so callers get exactly the values a plain SELECT gives.
 */
import { sql, type Insertable, type Selectable, type Transaction } from 'kysely';
import pg from 'pg';
import type { AuditLogTable, DB } from '../../db/schema.ts';
import type {
  OrderEventsTable,
  OrderLinesTable,
  OrderRuleKind,
  OrdersTable,
} from '../../db/schema-orders.ts';
import { auditRow } from '../audit/audit.ts';
import { eventRow, type BusinessEvent } from '../events/outbox.ts';
import { groupCandidates, type PriceCandidateRow } from '../catalog/repository.ts';
import {
  LOCKED_ORDER_FROM,
  LOCKED_ORDER_SELECT,
  type LockedOrder,
  type OrderEventInput,
} from './repository.ts';
import type { Principal } from '../auth/principal.ts';
import type { AssignableRepRow } from '../teams/rep-rule.ts';

const TIMESTAMPTZ_OID = 1184;
const parseStamp = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (v: string) => Date;

type LineJson = Omit<Selectable<OrderLinesTable>, 'created_at' | 'updated_at'> & {
  created_at: string;
  updated_at: string;
};
type EventJson = Omit<
  Selectable<OrderEventsTable>,
  'occurred_at' | 'published_at' | 'created_at' | 'updated_at'
> & { occurred_at: string; published_at: string | null; created_at: string; updated_at: string };

/** json_build_object for an order_lines row (alias `l`), numerics and stamps as text. */
const LINE_JSON = sql`json_build_object(
  'id', l.id, 'order_id', l.order_id, 'line_no', l.line_no, 'product_id', l.product_id,
  'quantity', l.quantity, 'unit_price', l.unit_price::text, 'discount', l.discount::text,
  'line_total', l.line_total::text, 'unit_cost', l.unit_cost::text,
  'returned_quantity', l.returned_quantity,
  'created_at', l.created_at::text, 'updated_at', l.updated_at::text)`;

/** json_build_object for an order_events row (alias `e`), stamps as text. */
const EVENT_JSON = sql`json_build_object(
  'id', e.id, 'order_id', e.order_id, 'event_type', e.event_type,
  'from_status', e.from_status, 'to_status', e.to_status, 'payload', e.payload,
  'occurred_at', e.occurred_at::text, 'actor_key_id', e.actor_key_id,
  'published_at', e.published_at::text,
  'created_at', e.created_at::text, 'updated_at', e.updated_at::text)`;

/**
 * An order_lines row (alias `l`) as the API shows it, in SQL: toOrderLineDto in schemas.ts,
 * the unit price trimmed like money.ts formatPrice (trailing zeros off, at least two decimals).
 * Only for a new order's outbox event, whose line ids exist only inside the inserting statement
 * (test/events-routes.test.ts holds the two to one another).
 */
const LINE_DTO_JSON = sql`jsonb_build_object(
  'id', l.id, 'lineNo', l.line_no, 'productId', l.product_id, 'quantity', l.quantity,
  'unitPrice', CASE WHEN scale(trim_scale(l.unit_price)) < 2 THEN round(l.unit_price, 2)::text
                    ELSE trim_scale(l.unit_price)::text END,
  'discount', l.discount::text, 'lineTotal', l.line_total::text,
  'returnedQuantity', l.returned_quantity)`;

function toLine(l: LineJson): Selectable<OrderLinesTable> {
  return { ...l, created_at: parseStamp(l.created_at), updated_at: parseStamp(l.updated_at) };
}

function toEvent(e: EventJson): Selectable<OrderEventsTable> {
  return {
    ...e,
    occurred_at: parseStamp(e.occurred_at),
    published_at: e.published_at === null ? null : parseStamp(e.published_at),
    created_at: parseStamp(e.created_at),
    updated_at: parseStamp(e.updated_at),
  };
}

/** An active order rule as confirm evaluates it. */
export interface ActiveRule {
  id: string;
  kind: OrderRuleKind;
  params: unknown;
}

/**
 * Lines (by line_no) and events (by id) of an order, in one statement. Call it after the order
 * row is locked: a statement started later sees everything committed before the lock was granted.
 */
export async function orderDetails(trx: Transaction<DB>, orderId: number) {
  const r = await sql<{ lines: LineJson[]; events: EventJson[] }>`
    SELECT
      (SELECT coalesce(json_agg(${LINE_JSON} ORDER BY l.line_no), '[]')
         FROM order_lines l WHERE l.order_id = ${orderId}) AS lines,
      (SELECT coalesce(json_agg(${EVENT_JSON} ORDER BY e.id), '[]')
         FROM order_events e WHERE e.order_id = ${orderId}) AS events`.execute(trx);
  const row = r.rows[0]!;
  return { lines: row.lines.map(toLine), events: row.events.map(toEvent) };
}

/**
 * Confirm's first statement: the order row-locked, as repo.lockOrder gives it, with its lines,
 * events and the active rules — one round trip instead of two. The subqueries read the
 * statement's snapshot, taken before any wait for the lock; the locked row itself is the latest
 * version. That is enough for confirm, which needs a draft: a draft's lines never change, and an
 * action committed while we waited has changed the status, so confirm refuses before using them.
 */
export async function lockDraftWithDetails(trx: Transaction<DB>, orderId: number) {
  const r = await sql<
    LockedOrder & { lines_json: LineJson[]; events_json: EventJson[]; rules_json: ActiveRule[] }
  >`
    SELECT ${LOCKED_ORDER_SELECT},
      (SELECT coalesce(json_agg(${LINE_JSON} ORDER BY l.line_no), '[]')
         FROM order_lines l WHERE l.order_id = o.id) AS lines_json,
      (SELECT coalesce(json_agg(${EVENT_JSON} ORDER BY e.id), '[]')
         FROM order_events e WHERE e.order_id = o.id) AS events_json,
      (SELECT coalesce(json_agg(json_build_object('id', r.id, 'kind', r.kind, 'params', r.params)
                                ORDER BY r.id), '[]')
         FROM order_rules r WHERE r.active) AS rules_json
    FROM ${LOCKED_ORDER_FROM}
    WHERE o.id = ${orderId} AND o.deleted_at IS NULL
    FOR UPDATE OF o`.execute(trx);
  const row = r.rows[0];
  if (!row) return { order: undefined, lines: [], events: [], rules: [] };
  const { lines_json, events_json, rules_json, ...order } = row;
  return {
    order,
    lines: lines_json.map(toLine),
    events: events_json.map(toEvent),
    rules: rules_json,
  };
}

/** An audit_log row as api/audit/audit.ts recordAudit writes it (diff already computed). */
export type AuditRow = Insertable<AuditLogTable>;

/**
 * Insert an order event, an audit row and the outbox event together (the audit and outbox
 * inserts as data-modifying CTEs); returns the order event row.
 */
export function insertEventAndAudit(
  trx: Transaction<DB>,
  e: OrderEventInput,
  audit: AuditRow,
  outbox: BusinessEvent,
) {
  return trx
    .with('audit_row', (db) => db.insertInto('audit_log').values(audit))
    .with('outbox', (db) => db.insertInto('events').values(eventRow(outbox)))
    .insertInto('order_events')
    .values({ ...e, payload: JSON.stringify(e.payload ?? {}) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * A new order's lines, its order.created event, its audit row and its outbox event in one
 * statement; returns the lines (by line_no) and the event. `outbox` comes without the lines:
 * they are added here from the rows inserted (LINE_DTO_JSON).
 */
export async function insertLinesEventAndAudit(
  trx: Transaction<DB>,
  lines: Insertable<OrderLinesTable>[],
  e: {
    order_id: number;
    event_type: string;
    to_status: string;
    actor_key_id: number | null;
    payload: unknown;
  },
  audit: AuditRow,
  outbox: BusinessEvent,
) {
  const row = eventRow(outbox);
  const r = await trx
    .with('l', (db) => db.insertInto('order_lines').values(lines).returningAll())
    .with('audit_row', (db) => db.insertInto('audit_log').values(audit))
    .with('outbox', (db) =>
      db.insertInto('events').values({
        ...row,
        payload: sql<string>`${row.payload}::jsonb || jsonb_build_object('lines',
          (SELECT jsonb_agg(${LINE_DTO_JSON} ORDER BY l.line_no) FROM l))`,
      }),
    )
    .insertInto('order_events')
    .values({ ...e, from_status: null, payload: JSON.stringify(e.payload ?? {}) })
    .returningAll()
    .returning(
      sql<LineJson[]>`(SELECT json_agg(${LINE_JSON} ORDER BY l.line_no) FROM l)`.as('lines_json'),
    )
    .executeTakeFirstOrThrow();
  const { lines_json, ...event } = r;
  return { lines: lines_json.map(toLine), event };
}

/**
 * The audit row of an order change (auditRow in api/audit/audit.ts), built here so
 * it can ride along with another insert; same columns, same diff.
 */
export function orderAuditRow(
  principal: Principal,
  entityId: number,
  action: string,
  before: Record<string, unknown> | null,
  after: Record<string, unknown>,
): AuditRow {
  return auditRow({ principal, entity: 'order', entityId, action, before, after });
}

/**
 * A new order's customer (undefined when missing or deleted) with, in the same statement, the
 * warehouse it will use (the named one when it exists, else the default: oldest active), the named
 * sales rep's active flag and code (for api/teams/rep-rule.ts), the named products (not deleted)
 * and their price-list items.
 */
export async function orderInputs(
  trx: Transaction<DB>,
  q: { customerId: number; warehouseId?: number; repId?: number | null; productIds: number[] },
) {
  const warehouse =
    q.warehouseId !== undefined
      ? sql`(SELECT id FROM warehouses WHERE id = ${q.warehouseId} AND deleted_at IS NULL)`
      : sql`(SELECT id FROM warehouses WHERE deleted_at IS NULL AND active ORDER BY id LIMIT 1)`;
  const rep =
    q.repId != null
      ? sql`(SELECT json_build_object('active', active, 'code', code)
               FROM sales_reps WHERE id = ${q.repId} AND deleted_at IS NULL)`
      : sql`NULL::json`;
  const r = await sql<{
    id: number;
    owner_rep_id: number | null;
    customer_group: string | null;
    warehouse_id: number | null;
    /** The named sales rep, for api/teams/rep-rule.ts; null when none was named or it does not exist. */
    rep: AssignableRepRow | null;
    products: { id: number; list_price: string; cost: string | null; active: boolean }[];
    price_candidates: (Omit<PriceCandidateRow, 'valid_from' | 'valid_to'> & {
      valid_from: string | null;
      valid_to: string | null;
    })[];
  }>`
    SELECT c.id, c.owner_rep_id, c.customer_group, ${warehouse} AS warehouse_id,
      ${rep} AS rep,
      (SELECT coalesce(json_agg(json_build_object('id', p.id, 'list_price', p.list_price::text,
                 'cost', p.cost::text, 'active', p.active)), '[]')
         FROM products p
         WHERE p.id = ANY(${q.productIds}::bigint[]) AND p.deleted_at IS NULL) AS products,
      (SELECT coalesce(json_agg(json_build_object('id', i.id, 'product_id', i.product_id,
                 'price_list_id', i.price_list_id, 'list_name', l.name,
                 'customer_group', i.customer_group, 'min_quantity', i.min_quantity,
                 'unit_price', i.unit_price::text, 'valid_from', i.valid_from::text,
                 'valid_to', i.valid_to::text)), '[]')
         FROM price_list_items i JOIN price_lists l ON l.id = i.price_list_id
         WHERE i.product_id = ANY(${q.productIds}::bigint[])
           AND i.deleted_at IS NULL AND l.deleted_at IS NULL AND l.active) AS price_candidates
    FROM customers c
    WHERE c.id = ${q.customerId} AND c.deleted_at IS NULL`.execute(trx);
  const row = r.rows[0];
  if (!row) return undefined;
  // The same candidates catalog's priceCandidates reads, for resolvePricesFrom.
  const candidates = groupCandidates(
    row.price_candidates.map((c) => ({
      ...c,
      valid_from: c.valid_from === null ? null : parseStamp(c.valid_from),
      valid_to: c.valid_to === null ? null : parseStamp(c.valid_to),
    })),
  );
  return { ...row, candidates };
}

/**
 * Move an order to a new status with its event, audit row and outbox event, in one statement;
 * returns the updated row and the event. Only for changes whose result is known before writing
 * (`set` holds plain values): the audit diff and the outbox payload are computed from `before` +
 * `set`, which equals the row the UPDATE returns but for updated_at, which the trigger sets and
 * neither shows.
 */
export async function updateOrderWithEventAndAudit(
  trx: Transaction<DB>,
  principal: Principal,
  action: string,
  before: Selectable<OrdersTable>,
  set: Partial<Selectable<OrdersTable>>,
  e: {
    event_type: string;
    from_status: string | null;
    to_status: string | null;
    payload?: unknown;
  },
  outbox: BusinessEvent,
) {
  const audit = orderAuditRow(principal, before.id, action, before, { ...before, ...set });
  const r = await trx
    .with('audit_row', (db) => db.insertInto('audit_log').values(audit))
    .with('outbox', (db) => db.insertInto('events').values(eventRow(outbox)))
    .with('e', (db) =>
      db
        .insertInto('order_events')
        .values({
          ...e,
          order_id: before.id,
          actor_key_id: principal.keyId,
          payload: JSON.stringify(e.payload ?? {}),
        })
        .returningAll(),
    )
    .updateTable('orders')
    .set(set)
    .where('id', '=', before.id)
    .returningAll()
    .returning(sql<EventJson>`(SELECT ${EVENT_JSON} FROM e)`.as('event_json'))
    .executeTakeFirstOrThrow();
  const { event_json, ...after } = r;
  return { after, event: toEvent(event_json) };
}

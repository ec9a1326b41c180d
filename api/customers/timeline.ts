/**
 * GET customers/{id}/timeline: activities, orders and order events merged newest first.
 * An activity sits at its done time, else its due time, else its creation (so planned tasks
 * show on top). Keyset-paginated on (time, kind, id); the cursor carries the time with
 * microseconds as PostgreSQL has it, because a millisecond JS Date would skip or repeat rows.
 */
import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Principal } from '../auth/principal.ts';
import { loadScope, ownerVisible } from '../auth/scope.ts';
import { invalidCursor } from '../pagination.ts';
import type { TimelineItem } from './schemas.ts';
import { visibleCustomer } from './service.ts';

const KINDS = ['activity', 'order', 'order_event'] as const;
type Kind = (typeof KINDS)[number];
interface Cursor {
  t: string;
  k: Kind;
  i: number;
}
type Row = TimelineItem & { atText: string };

const US_TEXT = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

function decode(cursor: string | undefined): Cursor | undefined {
  if (!cursor) return undefined;
  try {
    const c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Cursor;
    if (
      typeof c.t === 'string' &&
      /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(c.t) &&
      KINDS.includes(c.k) &&
      Number.isSafeInteger(c.i)
    ) {
      return c;
    }
  } catch {
    // fall through
  }
  throw invalidCursor();
}

const encode = (r: Row) =>
  Buffer.from(JSON.stringify({ t: r.atText, k: r.kind, i: r.id })).toString('base64url');

/** "Comes after the cursor" for rows of `kind`, ordered (time desc, kind asc, id desc). */
function after(kind: Kind, time: RawBuilder<Date>, id: RawBuilder<number>, c?: Cursor) {
  if (!c) return sql<SqlBool>`true`;
  const t = sql`${c.t}::timestamptz`;
  if (kind > c.k) return sql<SqlBool>`${time} <= ${t}`;
  if (kind < c.k) return sql<SqlBool>`${time} < ${t}`;
  return sql<SqlBool>`(${time} < ${t} OR (${time} = ${t} AND ${id} < ${c.i}))`;
}

export async function customerTimeline(
  db: Kysely<DB>,
  principal: Principal,
  customerId: number,
  query: { limit: number; cursor?: string },
): Promise<{ items: TimelineItem[]; nextCursor: string | null }> {
  const cursor = decode(query.cursor);
  const scope = await loadScope(db, principal);
  await visibleCustomer(db, scope, customerId);
  const n = query.limit + 1;

  const aTime = sql<Date>`coalesce(a.done_at, a.due_at, a.created_at)`;
  const activities = await sql<Record<string, any>>`
    SELECT a.id, ${aTime} AS at, to_char(${aTime} AT TIME ZONE 'UTC', ${sql.raw(US_TEXT)}) AS at_text,
      a.activity_type, a.subject, a.done_at, a.due_at, a.outcome, a.owner_rep_id, a.order_id,
      a.opportunity_id
    FROM activities a
    WHERE a.customer_id = ${customerId} AND a.deleted_at IS NULL
      AND ${ownerVisible('a.owner_rep_id', scope.team)}
      AND ${after('activity', aTime, sql<number>`a.id`, cursor)}
    ORDER BY ${aTime} DESC, a.id DESC LIMIT ${n}`.execute(db);

  const orders = await sql<Record<string, any>>`
    SELECT o.id, o.ordered_at AS at, to_char(o.ordered_at AT TIME ZONE 'UTC', ${sql.raw(US_TEXT)}) AS at_text,
      o.number, o.status, o.total
    FROM orders o
    WHERE o.customer_id = ${customerId} AND o.deleted_at IS NULL
      AND ${after('order', sql<Date>`o.ordered_at`, sql<number>`o.id`, cursor)}
    ORDER BY o.ordered_at DESC, o.id DESC LIMIT ${n}`.execute(db);

  const events = await sql<Record<string, any>>`
    SELECT e.id, e.occurred_at AS at, to_char(e.occurred_at AT TIME ZONE 'UTC', ${sql.raw(US_TEXT)}) AS at_text,
      e.event_type, e.from_status, e.to_status, e.order_id, o.number
    FROM order_events e JOIN orders o ON o.id = e.order_id
    WHERE o.customer_id = ${customerId} AND o.deleted_at IS NULL
      AND ${after('order_event', sql<Date>`e.occurred_at`, sql<number>`e.id`, cursor)}
    ORDER BY e.occurred_at DESC, e.id DESC LIMIT ${n}`.execute(db);

  const rows: Row[] = [
    ...activities.rows.map((r) => ({
      kind: 'activity' as const,
      id: r.id,
      at: r.at.toISOString(),
      atText: r.at_text,
      summary: `${r.activity_type}: ${r.subject}${r.done_at ? ' (done)' : ''}`,
      orderId: r.order_id,
      detail: {
        type: r.activity_type,
        subject: r.subject,
        dueAt: r.due_at?.toISOString() ?? null,
        doneAt: r.done_at?.toISOString() ?? null,
        outcome: r.outcome,
        ownerRepId: r.owner_rep_id,
        opportunityId: r.opportunity_id,
      },
    })),
    ...orders.rows.map((r) => ({
      kind: 'order' as const,
      id: r.id,
      at: r.at.toISOString(),
      atText: r.at_text,
      summary: `order ${r.number} placed (now ${r.status}, total ${r.total})`,
      orderId: r.id,
      detail: { number: r.number, status: r.status, total: r.total },
    })),
    ...events.rows.map((r) => ({
      kind: 'order_event' as const,
      id: r.id,
      at: r.at.toISOString(),
      atText: r.at_text,
      summary: `${r.number}: ${r.event_type}${r.to_status ? ` (${r.from_status ?? '—'} → ${r.to_status})` : ''}`,
      orderId: r.order_id,
      detail: { eventType: r.event_type, fromStatus: r.from_status, toStatus: r.to_status },
    })),
  ];
  rows.sort((x, y) =>
    x.atText !== y.atText
      ? x.atText < y.atText
        ? 1
        : -1
      : x.kind !== y.kind
        ? x.kind < y.kind
          ? -1
          : 1
        : y.id - x.id,
  );
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(({ atText: _, ...item }) => item),
    nextCursor: rows.length > query.limit && last ? encode(last) : null,
  };
}

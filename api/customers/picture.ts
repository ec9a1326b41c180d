/**
 * GET customers/{id}: the customer's whole picture in one answer — contacts, open orders,
 * lifetime revenue and last order date (docs/metrics.md definitions), open activities and
 * opportunities, each filtered by the caller's scope like their own endpoints, and what the newest
 * segment run says about the customer (./scores.ts).
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { openActivitiesOfCustomer } from '../activities/repository.ts';
import { toActivityDto } from '../activities/schemas.ts';
import type { Principal } from '../auth/principal.ts';
import { loadScope } from '../auth/scope.ts';
import { opportunitiesOfCustomer } from '../opportunities/repository.ts';
import { toOpportunityDto } from '../opportunities/schemas.ts';
import { NON_REVENUE_STATUSES, OPEN_ORDER_STATUSES, listContacts } from './repository.ts';
import { toContactDto, toCustomerDto, type CustomerPictureDto } from './schemas.ts';
import { scoresOfCustomer } from './scores.ts';
import { visibleCustomer } from './service.ts';

/** Lifetime revenue (Σ line revenue net of returns), revenue order count and last order date. */
async function revenueSummary(db: Kysely<DB>, customerId: number, timezone: string) {
  const revenue = await sql<{ revenue: string }>`
    SELECT round(coalesce(sum((l.quantity - l.returned_quantity) * l.unit_price * (1 - l.discount)), 0), 2)::text AS revenue
    FROM orders o JOIN order_lines l ON l.order_id = o.id
    WHERE o.customer_id = ${customerId} AND o.deleted_at IS NULL
      AND o.status <> ALL(${[...NON_REVENUE_STATUSES]}::text[])`.execute(db);
  const orders = await sql<{ n: number; last: string | null }>`
    SELECT count(*) AS n, to_char(max(o.ordered_at) AT TIME ZONE ${timezone}, 'YYYY-MM-DD') AS last
    FROM orders o
    WHERE o.customer_id = ${customerId} AND o.deleted_at IS NULL
      AND o.status <> ALL(${[...NON_REVENUE_STATUSES]}::text[])`.execute(db);
  return {
    lifetimeRevenue: revenue.rows[0]?.revenue ?? '0.00',
    revenueOrders: Number(orders.rows[0]?.n ?? 0),
    lastOrderDate: orders.rows[0]?.last ?? null,
  };
}

export async function customerPicture(
  db: Kysely<DB>,
  principal: Principal,
  id: number,
  timezone: string,
): Promise<CustomerPictureDto> {
  const scope = await loadScope(db, principal);
  const customer = await visibleCustomer(db, scope, id);
  const openOrders = await db
    .selectFrom('orders')
    .select(['id', 'number', 'status', 'total', 'ordered_at'])
    .where('customer_id', '=', id)
    .where('deleted_at', 'is', null)
    .where('status', 'in', OPEN_ORDER_STATUSES)
    .orderBy('ordered_at', 'desc')
    .limit(100)
    .execute();
  return {
    ...toCustomerDto(customer),
    contacts: (await listContacts(db, id)).map(toContactDto),
    openOrders: openOrders.map((o) => ({
      id: o.id,
      number: o.number,
      status: o.status,
      total: o.total,
      orderedAt: o.ordered_at.toISOString(),
    })),
    ...(await revenueSummary(db, id, timezone)),
    openActivities: (await openActivitiesOfCustomer(db, id, scope.team)).map(toActivityDto),
    opportunities: (await opportunitiesOfCustomer(db, id, scope.pipeline)).map(toOpportunityDto),
    ...(await scoresOfCustomer(db, id)),
  };
}

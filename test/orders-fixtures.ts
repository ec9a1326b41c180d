/**
 * Rows the catalog, inventory and orders suites need. Customers, reps and teams belong to the CRM
 * area, so they are inserted directly; catalog and stock go through the API like a user would.
 */
import { sql } from 'kysely';
import { expect } from 'vitest';
import type { TestEnv } from './support/harness.ts';

let seq = 0;
/** A short unique suffix for codes and names. */
export const uid = () => `${process.pid}-${++seq}-${Math.random().toString(36).slice(2, 7)}`;

/** Insert a customer directly (CRM is another area). */
export async function makeCustomer(
  env: TestEnv,
  o: {
    ownerRepId?: number | null;
    creditLimit?: string | null;
    blocked?: boolean;
    group?: string | null;
  } = {},
): Promise<number> {
  const r = await env.ops.db
    .insertInto('customers')
    .values({
      code: `C-${uid()}`,
      name: 'Customer',
      owner_rep_id: o.ownerRepId ?? null,
      credit_limit: o.creditLimit ?? null,
      blocked: o.blocked ?? false,
      customer_group: o.group ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

/** A team with one rep, and an API key of `role` tied to that rep. */
export async function makeRepWithKey(
  env: TestEnv,
  role: 'staff' | 'manager',
): Promise<{ repId: number; teamId: number; key: string }> {
  const team = await env.ops.db
    .insertInto('teams')
    .values({ name: `Team ${uid()}` })
    .returning('id')
    .executeTakeFirstOrThrow();
  const rep = await env.ops.db
    .insertInto('sales_reps')
    .values({ code: `R-${uid()}`, name: 'Rep', team_id: team.id })
    .returning('id')
    .executeTakeFirstOrThrow();
  const created = await env.request('POST', '/api/v1/api-keys', {
    body: { name: `rep ${rep.id}`, role, repId: rep.id },
  });
  expect(created.status).toBe(201);
  return { repId: rep.id, teamId: team.id, key: created.body.key };
}

export async function makeWarehouse(env: TestEnv): Promise<number> {
  const r = await env.request('POST', '/api/v1/warehouses', {
    body: { code: `W-${uid()}`, name: 'Warehouse' },
  });
  expect(r.status).toBe(201);
  return r.body.id;
}

export async function makeProduct(
  env: TestEnv,
  o: { listPrice?: string; cost?: string | null; categoryId?: number; name?: string } = {},
): Promise<number> {
  const r = await env.request('POST', '/api/v1/products', {
    body: {
      sku: `SKU-${uid()}`,
      name: o.name ?? 'Product',
      listPrice: o.listPrice ?? '10.00',
      cost: o.cost ?? '4.00',
      ...(o.categoryId ? { categoryId: o.categoryId } : {}),
    },
  });
  expect(r.status, r.text).toBe(201);
  return r.body.id;
}

export async function receive(
  env: TestEnv,
  productId: number,
  warehouseId: number,
  quantity: number,
) {
  const r = await env.request('POST', '/api/v1/stock/movements', {
    body: { type: 'receipt', productId, warehouseId, quantity },
  });
  expect(r.status, r.text).toBe(201);
  return r.body;
}

export async function stockOf(env: TestEnv, productId: number, warehouseId: number) {
  const r = await env.request(
    'GET',
    `/api/v1/stock?productId=${productId}&warehouseId=${warehouseId}`,
  );
  expect(r.status).toBe(200);
  return (r.body.items[0] ?? { onHand: 0, reserved: 0, available: 0 }) as {
    onHand: number;
    reserved: number;
    available: number;
  };
}

/** Every level equals the sum of its ledger, and no level is negative or over-reserved. */
export async function expectLedgerMatchesLevels(env: TestEnv) {
  const r = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM stock_levels l
    FULL JOIN (
      SELECT product_id, warehouse_id, sum(on_hand_delta)::int AS on_hand, sum(reserved_delta)::int AS reserved
      FROM stock_movements GROUP BY product_id, warehouse_id
    ) m USING (product_id, warehouse_id)
    WHERE coalesce(l.on_hand, 0) <> coalesce(m.on_hand, 0)
       OR coalesce(l.reserved, 0) <> coalesce(m.reserved, 0)
       OR l.on_hand < 0 OR l.reserved < 0 OR l.reserved > l.on_hand`.execute(env.ops.db);
  expect(r.rows[0]!.n).toBe(0);
}

/** Row counts of the tables a write would touch, to prove a refused request wrote nothing. */
export async function writeCounts(env: TestEnv) {
  const r = await sql<{
    orders: number;
    lines: number;
    events: number;
    movements: number;
    audit: number;
    products: number;
    alerts: number;
  }>`
    SELECT (SELECT count(*) FROM orders)::int AS orders,
           (SELECT count(*) FROM order_lines)::int AS lines,
           (SELECT count(*) FROM order_events)::int AS events,
           (SELECT count(*) FROM stock_movements)::int AS movements,
           (SELECT count(*) FROM audit_log)::int AS audit,
           (SELECT count(*) FROM products)::int AS products,
           (SELECT count(*) FROM alerts)::int AS alerts`.execute(env.ops.db);
  return r.rows[0]!;
}

/** Set an order rule's params/active through the API (admin). */
export async function setRule(
  env: TestEnv,
  id: string,
  patch: { params?: unknown; active?: boolean },
) {
  const r = await env.request('PATCH', `/api/v1/order-rules/${id}`, { body: patch });
  expect(r.status, r.text).toBe(200);
}

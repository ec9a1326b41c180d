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

/** The stock and customer every order suite starts from. */
export interface OrderStock {
  warehouseId: number;
  /** 10.00 (cost 4.00), 100,000 in stock. */
  productId: number;
  /** 30,000.00, above the approval threshold; 1,000 in stock. */
  bigProductId: number;
  customerId: number;
}

/** Seed `env` with a warehouse holding the order suites' two products, and a customer. */
export async function seedOrderStock(env: TestEnv): Promise<OrderStock> {
  const warehouseId = await makeWarehouse(env);
  const productId = await makeProduct(env, { listPrice: '10.00', cost: '4.00' });
  const bigProductId = await makeProduct(env, { listPrice: '30000.00' });
  await receive(env, productId, warehouseId, 100_000);
  await receive(env, bigProductId, warehouseId, 1_000);
  const customerId = await makeCustomer(env);
  return { warehouseId, productId, bigProductId, customerId };
}

/**
 * The order suites' calls on `world()`, read at each call (the suite's beforeAll fills it in):
 * create a draft, act on an order, and an order moved into a status through the API.
 */
export function orderCalls(world: () => OrderStock & { env: TestEnv }) {
  const create = (body: unknown, key = 'staff') =>
    world().env.request('POST', '/api/v1/orders', { body, key });
  const act = (id: number, action: string, body?: unknown, key = 'manager') =>
    world().env.request('POST', `/api/v1/orders/${id}/${action}`, { key, body });

  /** An order of `qty` × product, moved into `status` through the API. */
  async function orderIn(status: string, qty = 2): Promise<number> {
    const { env, productId, bigProductId, customerId } = world();
    const pid = status === 'pending_approval' ? bigProductId : productId;
    const r = await create({ customerId, lines: [{ productId: pid, quantity: qty }] });
    expect(r.status, r.text).toBe(201);
    const id = r.body.id as number;
    const path: Record<string, string[]> = {
      draft: [],
      pending_approval: ['confirm'],
      confirmed: ['confirm'],
      shipped: ['confirm', 'ship'],
      delivered: ['confirm', 'ship', 'deliver'],
      cancelled: ['cancel'],
      returned: ['confirm', 'ship', 'return'],
    };
    for (const a of path[status]!) {
      const body =
        a === 'return' ? { lines: [{ lineId: r.body.lines[0].id, quantity: 1 }] } : undefined;
      const res = await act(id, a, body);
      expect(res.status, res.text).toBe(200);
    }
    const got = await env.request('GET', `/api/v1/orders/${id}`);
    expect(got.body.status).toBe(status);
    return id;
  }

  return { create, act, orderIn };
}

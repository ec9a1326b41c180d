/**
 * Rows the CRM, pipeline, teams and access suites share: two teams with reps and rep-bound keys,
 * and direct inserts for what other areas own (products, orders, order events).
 */
import { createApiKey } from '../api/auth/service.ts';
import type { Role } from '../db/schema.ts';
import type { OrderStatus } from '../db/schema-orders.ts';
import type { TestEnv } from './support/harness.ts';

/** Two teams: North (reps n1, n2, manager nm) and South (rep s1, manager sm), with keys. */
export interface TeamWorld {
  north: number;
  south: number;
  reps: { n1: number; n2: number; nm: number; s1: number; sm: number };
  keys: {
    staffN1: string;
    staffN2: string;
    managerN: string;
    staffS1: string;
    managerS: string;
  };
}

let seq = 0;
/** A unique suffix, so suites can insert freely into one shared database. */
export function uniq(prefix = 'x'): string {
  seq += 1;
  return `${prefix}${process.pid}-${seq}-${Math.random().toString(36).slice(2, 7)}`;
}

export async function seedTeams(env: TestEnv): Promise<TeamWorld> {
  const db = env.ops.db;
  const team = async (name: string) =>
    (
      await db
        .insertInto('teams')
        .values({ name: uniq(name) })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const north = await team('North');
  const south = await team('South');
  const rep = async (code: string, teamId: number) =>
    (
      await db
        .insertInto('sales_reps')
        .values({ code: uniq(code), name: `Rep ${code}`, team_id: teamId })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const reps = {
    n1: await rep('n1', north),
    n2: await rep('n2', north),
    nm: await rep('nm', north),
    s1: await rep('s1', south),
    sm: await rep('sm', south),
  };
  const key = async (role: Role, repId: number) =>
    (await createApiKey(db, { name: uniq(role), role, repId })).key;
  return {
    north,
    south,
    reps,
    keys: {
      staffN1: await key('staff', reps.n1),
      staffN2: await key('staff', reps.n2),
      managerN: await key('manager', reps.nm),
      staffS1: await key('staff', reps.s1),
      managerS: await key('manager', reps.sm),
    },
  };
}

export async function insertCustomer(
  env: TestEnv,
  values: { owner?: number | null; group?: string; name?: string } = {},
): Promise<number> {
  const r = await env.ops.db
    .insertInto('customers')
    .values({
      code: uniq('C'),
      name: values.name ?? 'Fixture customer',
      owner_rep_id: values.owner ?? null,
      customer_group: values.group ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

export async function insertProduct(env: TestEnv, listPrice = '10.00', cost = '6.00') {
  const r = await env.ops.db
    .insertInto('products')
    .values({ sku: uniq('SKU'), name: 'Fixture product', list_price: listPrice, cost })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

/** An order with one line (quantity × price, no discount), as the orders area would store it. */
export async function insertOrder(
  env: TestEnv,
  o: {
    customerId: number;
    productId: number;
    status?: OrderStatus;
    quantity?: number;
    price?: string;
    returned?: number;
    orderedAt?: Date;
    repId?: number | null;
  },
): Promise<{ id: number; number: string }> {
  const qty = o.quantity ?? 1;
  const price = o.price ?? '10.00';
  const total = (qty * Number(price)).toFixed(2);
  const order = await env.ops.db
    .insertInto('orders')
    .values({
      number: uniq('SO'),
      customer_id: o.customerId,
      rep_id: o.repId ?? null,
      status: o.status ?? 'confirmed',
      subtotal: total,
      total,
      ordered_at: o.orderedAt ?? new Date(),
    })
    .returning(['id', 'number'])
    .executeTakeFirstOrThrow();
  await env.ops.db
    .insertInto('order_lines')
    .values({
      order_id: order.id,
      line_no: 1,
      product_id: o.productId,
      quantity: qty,
      unit_price: price,
      line_total: total,
      returned_quantity: o.returned ?? 0,
    })
    .execute();
  return order;
}

/** The 'order.delivered' outbox row the orders area writes when an order is delivered. */
export async function insertDeliveredEvent(env: TestEnv, orderId: number, at = new Date()) {
  await env.ops.db
    .insertInto('order_events')
    .values({
      order_id: orderId,
      event_type: 'order.delivered',
      from_status: 'shipped',
      to_status: 'delivered',
      occurred_at: at,
    })
    .execute();
}

/** Audit rows for one entity id. */
export function auditRows(env: TestEnv, entity: string, id: number | string) {
  return env.ops.db
    .selectFrom('audit_log')
    .selectAll()
    .where('entity', '=', entity)
    .where('entity_id', '=', String(id))
    .orderBy('id')
    .execute();
}

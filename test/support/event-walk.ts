/**
 * The world the events suites' walk starts from (test/support/walk-requests.ts): a warehouse,
 * products in stock and a customer, made through the API as admin; orders moved to any status;
 * and the helpers every walk request uses to make the records it acts on first.
 */
import { expect } from 'vitest';
import type { TestEnv } from './harness.ts';

let seq = 0;
/** A short unique suffix for codes and names. */
export const uniq = (prefix: string) =>
  `${prefix}-${process.pid}-${++seq}-${Math.random().toString(36).slice(2, 6)}`;

/** An admin call that must succeed; its answer's body. */
export async function ok(env: TestEnv, method: string, path: string, body?: unknown) {
  const r = await env.request(method, `/api/v1${path}`, { body });
  expect(r.status, `${method} ${path}: ${r.text.slice(0, 300)}`).toBeLessThan(300);
  return r.body;
}

/** The stock and people the walk's requests start from. */
export interface WalkWorld {
  env: TestEnv;
  warehouseId: number;
  /** 10.00, 10,000 in stock, no reorder rule. */
  productId: number;
  /** 30,000.00 (above the default approval threshold), 100 in stock, no reorder rule. */
  bigProductId: number;
  customerId: number;
}

/** Seed the walk's warehouse, products (in stock) and customer. */
export async function seedWalk(env: TestEnv): Promise<WalkWorld> {
  const warehouseId = (await ok(env, 'POST', '/warehouses', { code: uniq('W'), name: 'Main' })).id;
  const product = (listPrice: string) =>
    ok(env, 'POST', '/products', { sku: uniq('SKU'), name: 'P', listPrice, cost: '4.00' });
  const productId = (await product('10.00')).id;
  const bigProductId = (await product('30000.00')).id;
  for (const [p, quantity] of [
    [productId, 10_000],
    [bigProductId, 100],
  ])
    await ok(env, 'POST', '/stock/movements', {
      type: 'receipt',
      productId: p,
      warehouseId,
      quantity,
    });
  const customerId = (await ok(env, 'POST', '/customers', { code: uniq('C'), name: 'Walk' })).id;
  return { env, warehouseId, productId, bigProductId, customerId };
}

/** The actions that bring a new order to each status. */
const PATH: Record<string, string[]> = {
  draft: [],
  pending_approval: ['confirm'],
  confirmed: ['confirm'],
  shipped: ['confirm', 'ship'],
  delivered: ['confirm', 'ship', 'deliver'],
};

/** An order of 2 × the walk's product (the big one for approval), moved into `status`. */
export async function orderIn(w: WalkWorld, status: string, productId = w.productId) {
  const product = status === 'pending_approval' ? w.bigProductId : productId;
  let order = await ok(w.env, 'POST', '/orders', {
    customerId: w.customerId,
    lines: [{ productId: product, quantity: 2 }],
  });
  for (const action of PATH[status]!)
    order = await ok(w.env, 'POST', `/orders/${order.id}/${action}`);
  expect(order.status).toBe(status);
  return order;
}

/** A request to make: the URL under /api/v1 and its body. */
export interface WalkRequest {
  url: string;
  body?: unknown;
}

/** How a walk request is made: the records it acts on first, then the request itself. */
export type Setup = (w: WalkWorld) => Promise<WalkRequest>;

/** POST `body` to `path` as admin; the new record's id. */
export const id = async (w: WalkWorld, path: string, body: unknown) =>
  (await ok(w.env, 'POST', path, body)).id as number;

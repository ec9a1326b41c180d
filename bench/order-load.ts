/**
 * The order load the benchmarks share (bench/orders.ts, bench/events.ts): a database seeded with
 * customers, products and plenty of stock, and a load generator that posts orders through the
 * app over HTTP (POST /orders, then POST /orders/{id}/confirm), `clients` at a time, from a
 * worker thread — as real clients run elsewhere: in the app's own thread their JSON and socket
 * work was billed to the app. They still share the machine's cores with the app and PostgreSQL,
 * so they use a minimal keep-alive client (HttpConnection) rather than Node's http module, which
 * cost ~0.8 ms of CPU per order.
 */
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { HttpConnection } from './http-connection.ts';

/** Enough products that 32 clients do not all queue on the same few stock rows. */
export const PRODUCTS = 1000;
export const CUSTOMERS = 500;
const LINES_PER_ORDER = 3;

/** A deterministic order: customer and distinct products picked from the order's index. */
export function orderFor(i: number) {
  const products = new Set<number>();
  for (let k = 0; products.size < LINES_PER_ORDER; k++)
    products.add(((i * 7919 + k * 104_729) % PRODUCTS) + 1);
  return {
    customerId: (i % CUSTOMERS) + 1,
    lines: [...products].map((productId, k) => ({ productId, quantity: (k % 3) + 1 })),
  };
}

/** Run `work(i)` for i in [from, to) with `clients` workers; returns seconds taken. */
export async function runConcurrently(
  from: number,
  to: number,
  clients: number,
  work: (i: number, client: number) => Promise<void>,
): Promise<number> {
  let next = from;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      while (next < to) await work(next++, c);
    }),
  );
  return (performance.now() - t0) / 1000;
}

/** Warehouse 1, CUSTOMERS customers, PRODUCTS products with ten million units each, rep 1. */
export async function seedOrderBench(db: Kysely<DB>): Promise<void> {
  // One statement per call: the extended protocol (parameters) takes a single statement.
  for (const statement of [
    sql`INSERT INTO warehouses (id, code, name) VALUES (1, 'BENCH', 'Bench warehouse')`,
    sql`INSERT INTO customers (id, code, name)
        SELECT i, 'C' || i, 'Customer ' || i FROM generate_series(1, ${CUSTOMERS}::int) i`,
    sql`INSERT INTO products (id, sku, name, list_price, cost)
        SELECT i, 'SKU' || i, 'Product ' || i, 10.99 + i % 90, 5 + i % 40
        FROM generate_series(1, ${PRODUCTS}::int) i`,
    sql`INSERT INTO stock_levels (product_id, warehouse_id, on_hand)
        SELECT i, 1, 10000000 FROM generate_series(1, ${PRODUCTS}::int) i`,
    sql`INSERT INTO stock_movements (product_id, warehouse_id, movement_type, on_hand_delta, reference_type)
        SELECT i, 1, 'receipt', 10000000, 'manual' FROM generate_series(1, ${PRODUCTS}::int) i`,
    sql`SELECT setval(pg_get_serial_sequence('customers', 'id'), ${CUSTOMERS}::int)`,
    sql`SELECT setval(pg_get_serial_sequence('products', 'id'), ${PRODUCTS}::int)`,
    sql`SELECT setval(pg_get_serial_sequence('warehouses', 'id'), 1)`,
    sql`INSERT INTO sales_reps (id, code, name) VALUES (1, 'BENCH', 'Bench manager')`,
    sql`SELECT setval(pg_get_serial_sequence('sales_reps', 'id'), 1)`,
    sql`ANALYZE`,
  ])
    await statement.execute(db);
}

/** What the load generator needs. */
interface LoadSetup {
  base: string;
  key: string;
  clients: number;
  role: 'order-load';
}

/** Worker side: on {from, to}, run those orders through the app and answer with the seconds. */
function serveLoad({ base, key, clients }: LoadSetup): void {
  const url = new URL(base);
  const headers =
    `Host: ${url.host}\r\nAuthorization: Bearer ${key}\r\n` +
    'Content-Type: application/json\r\nConnection: keep-alive\r\n';
  const connections = Array.from({ length: clients }, () => new HttpConnection(url, headers));
  const post = async (client: number, path: string, body?: unknown) => {
    const r = await connections[client]!.post(
      url.pathname + path,
      body === undefined ? '' : JSON.stringify(body),
    );
    if (r.status >= 300) throw new Error(`${path}: ${r.status} ${r.body}`);
    return JSON.parse(r.body) as { id: number; status: string };
  };
  const viaApp = async (i: number, client: number) => {
    const draft = await post(client, '/orders', { ...orderFor(i), warehouseId: 1 });
    const done = await post(client, `/orders/${draft.id}/confirm`);
    if (done.status !== 'confirmed') throw new Error(`order ${draft.id} is ${done.status}`);
  };
  parentPort!.on('message', ({ from, to }: { from: number; to: number }) => {
    runConcurrently(from, to, clients, viaApp).then(
      (seconds) => parentPort!.postMessage({ seconds }),
      (e: Error) => parentPort!.postMessage({ error: e.message }),
    );
  });
}

if (!isMainThread && (workerData as LoadSetup | undefined)?.role === 'order-load')
  serveLoad(workerData as LoadSetup);

/** The load generator: `post(from, to)` runs those orders and resolves with the seconds. */
export interface OrderLoad {
  post(from: number, to: number): Promise<number>;
  close(): Promise<void>;
}

/** Start the worker posting to `base` (…/api/v1) with `key`, `clients` connections at a time. */
export function startOrderLoad(base: string, key: string, clients: number): OrderLoad {
  // A worker does not inherit tsx's loader: register it, then load this file as the worker.
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
    .then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const worker = new Worker(boot, {
    eval: true,
    workerData: { base, key, clients, role: 'order-load' } satisfies LoadSetup,
  });
  // A worker that dies (it cannot load, say) fails the round, so the caller's `finally` still
  // drops the database; an unhandled 'error' event would end the process first.
  let died: Error | undefined;
  worker.on('error', (e) => (died = e));
  return {
    post: (from, to) =>
      new Promise<number>((resolve, reject) => {
        if (died) return reject(died);
        worker.once('error', reject);
        worker.once('message', (m: { seconds?: number; error?: string }) => {
          worker.off('error', reject);
          if (m.error === undefined) resolve(m.seconds!);
          else reject(new Error(m.error));
        });
        worker.postMessage({ from, to });
      }),
    close: async () => {
      await worker.terminate();
    },
  };
}

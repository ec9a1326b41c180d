/**
 * Order-throughput benchmark: confirmed orders per second through the real Express app over HTTP
 * (POST /orders then POST /orders/{id}/confirm, `clients` at a time) against a baseline of the
 * same writes done as one raw `pg` transaction per order by as many raw clients: insert the order,
 * its lines, order_events, audit and outbox rows, lock the stock rows in (product, warehouse)
 * order, reserve, write the ledger, move the order to confirmed with its three rows again. Prints both rates
 * and their ratio — absolute times on a shared 2-core machine are noise, the ratio is the figure.
 *
 *   npx tsx bench/orders.ts [orders per side = 2000] [clients = 32]
 * Uses a fresh database on TEST_PG_URL's cluster (default: local trust auth), dropped afterwards.
 * The app logs at info to /dev/null, so request logging is paid for as in production. The HTTP
 * clients are bench/order-load.ts's worker thread.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { sql } from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import { loadConfig } from '../config.ts';
import { createApp } from '../api/app.ts';
import { createApiKey } from '../api/auth/service.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { openPostgres } from '../db/postgres.ts';
import { createTestDatabase } from '../test/support/postgres.ts';
import {
  orderFor,
  runConcurrently,
  seedOrderBench,
  startOrderLoad,
  type OrderLoad,
} from './order-load.ts';

const ORDERS = Number(process.argv[2] ?? 2000);
const CLIENTS = Number(process.argv[3] ?? 32);
/**
 * Orders per side run first and not counted: connections, prepared statements, caches, and V8's
 * optimisation of the hot path — the app's CPU per order still fell past 1,000 requests.
 */
const WARM_UP = 500;
/** The measured orders run in this many alternating app / raw rounds. */
const ROUNDS = 4;
if (!Number.isInteger(ORDERS) || ORDERS < 1) throw new Error('orders must be a positive integer');
if (!Number.isInteger(CLIENTS) || CLIENTS < 1)
  throw new Error('clients must be a positive integer');

/**
 * Busy CPU time of the whole machine so far (ms), from /proc/stat (Linux); 0 elsewhere. Minus
 * this process's CPU it is mostly PostgreSQL's, which the two sides may not cost alike.
 */
function machineBusyMs(): number {
  try {
    const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    // user nice system idle iowait irq softirq steal …: busy = all but idle and iowait.
    const ticks = cpu.slice(1, 9).map(Number);
    const busy = ticks.reduce((a, b) => a + b, 0) - ticks[3]! - ticks[4]!;
    return (busy * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return 0;
  }
}

/**
 * Busy time of this thread's event loop, CPU time of the whole process and busy CPU of the
 * machine (all ms) since `since`; without `since`, a starting point to pass later.
 */
function threadUse(since?: { elu: EventLoopUtilization; cpu: NodeJS.CpuUsage; machine: number }) {
  const now = {
    elu: performance.eventLoopUtilization(),
    cpu: process.cpuUsage(),
    machine: machineBusyMs(),
  };
  if (!since) return { ...now, busy: 0, ms: 0, machineMs: 0 };
  const busy = performance.eventLoopUtilization(now.elu, since.elu).active;
  const ms = (now.cpu.user - since.cpu.user + now.cpu.system - since.cpu.system) / 1000;
  return { ...now, busy, ms, machineMs: now.machine - since.machine };
}

function addUse(
  total: { busy: number; cpu: number; machine: number },
  d: { busy: number; ms: number; machineMs: number },
) {
  return { busy: total.busy + d.busy, cpu: total.cpu + d.ms, machine: total.machine + d.machineMs };
}

await main();

async function main(): Promise<void> {
  const target = await createTestDatabase('salesops_bench');
  // A request holds one connection at a time (auth lookup, then its transaction): one per client,
  // and no more, as the raw clients below need connections of the same shared cluster.
  const ops = await openPostgres(target.url, { max: CLIENTS + 2 });
  const rawClients: pg.Client[] = [];
  let server: http.Server | undefined;
  let loadGenerator: OrderLoad | undefined;
  try {
    await migrateToLatest(ops.db);
    await seedOrderBench(ops.db);
    // A manager key must belong to a rep; the bench's orders are then the rep's.
    const { key, id: keyId } = await createApiKey(ops.db, {
      name: 'bench',
      role: 'manager',
      repId: 1,
    });
    const listPrice = new Map(
      (await ops.db.selectFrom('products').select(['id', 'list_price']).execute()).map((p) => [
        p.id,
        Number(p.list_price),
      ]),
    );

    // --- the app, over HTTP --------------------------------------------------------------------
    const config = loadConfig({ SALESOPS_DATA_DIR: '/tmp/salesops-bench-orders', PORT: '0' });
    const logger = pino({ level: 'info' }, pino.destination('/dev/null'));
    server = http.createServer(createApp({ config, ops, logger }));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
    loadGenerator = startOrderLoad(base, key, CLIENTS);
    const viaApp = (from: number, to: number) => loadGenerator!.post(from, to);

    // --- the baseline: the same writes, one raw transaction per order ---------------------------
    for (let c = 0; c < CLIENTS; c++) {
      const client = new pg.Client({ connectionString: target.url });
      await client.connect();
      rawClients.push(client);
    }
    const viaRaw = async (i: number, c: number) => {
      const db = rawClients[c]!;
      const { customerId, lines } = orderFor(i);
      const priced = lines.map((l, k) => {
        const price = listPrice.get(l.productId)!;
        return { ...l, lineNo: k + 1, price, total: (price * l.quantity).toFixed(2) };
      });
      const total = priced.reduce((s, l) => s + Number(l.total), 0).toFixed(2);
      const sorted = [...priced].sort((a, b) => a.productId - b.productId);
      await db.query('BEGIN');
      try {
        const order = await db.query<{ id: string }>(
          `INSERT INTO orders (number, customer_id, warehouse_id, subtotal, discount_total, total, created_by_key_id)
           VALUES ('SO-' || lpad(nextval('order_number_seq')::text, 6, '0'), $1, 1, $2, 0, $2, $3)
           RETURNING *`,
          [customerId, total, keyId],
        );
        const orderId = order.rows[0]!.id;
        await db.query(
          `INSERT INTO order_lines (order_id, line_no, product_id, quantity, unit_price, discount, line_total, unit_cost)
           SELECT $1, l.line_no, l.product_id, l.quantity, l.unit_price, 0, l.line_total, p.cost
           FROM unnest($2::int[], $3::bigint[], $4::int[], $5::numeric[], $6::numeric[])
             AS l(line_no, product_id, quantity, unit_price, line_total)
           JOIN products p ON p.id = l.product_id
           RETURNING *`,
          [
            orderId,
            priced.map((l) => l.lineNo),
            priced.map((l) => l.productId),
            priced.map((l) => l.quantity),
            priced.map((l) => l.price),
            priced.map((l) => l.total),
          ],
        );
        await db.query(
          `INSERT INTO order_events (order_id, event_type, to_status, payload, actor_key_id)
           VALUES ($1, 'order.created', 'draft', '{}', $2)`,
          [orderId, keyId],
        );
        await db.query(
          `INSERT INTO audit_log (api_key_id, entity, entity_id, action, diff)
           VALUES ($1, 'order', $2, 'create', '{}')`,
          [keyId, orderId],
        );
        await db.query(
          `INSERT INTO events (type, entity_type, entity_id, customer_id, payload, actor_key_id)
           VALUES ('order.created', 'order', $1, $2, '{}', $3)`,
          [orderId, customerId, keyId],
        );
        await db.query(
          `SELECT sl.product_id, sl.on_hand, sl.reserved, rr.reorder_point
           FROM stock_levels sl
           LEFT JOIN reorder_rules rr ON rr.product_id = sl.product_id
             AND rr.warehouse_id = sl.warehouse_id AND rr.deleted_at IS NULL
           WHERE sl.warehouse_id = 1 AND sl.product_id = ANY($1::bigint[])
           ORDER BY sl.product_id, sl.warehouse_id
           FOR UPDATE OF sl`,
          [sorted.map((l) => l.productId)],
        );
        await db.query(
          `UPDATE stock_levels sl SET reserved = sl.reserved + v.qty
           FROM unnest($1::bigint[], $2::int[]) AS v(product_id, qty)
           WHERE sl.product_id = v.product_id AND sl.warehouse_id = 1`,
          [sorted.map((l) => l.productId), sorted.map((l) => l.quantity)],
        );
        await db.query(
          `INSERT INTO stock_movements (product_id, warehouse_id, movement_type, on_hand_delta,
                                        reserved_delta, reference_type, reference_id, created_by_key_id)
           SELECT v.product_id, 1, 'reservation', 0, v.qty, 'order', $3, $4
           FROM unnest($1::bigint[], $2::int[]) AS v(product_id, qty)
           RETURNING *`,
          [priced.map((l) => l.productId), priced.map((l) => l.quantity), orderId, keyId],
        );
        await db.query(
          `UPDATE orders SET status = 'confirmed', confirmed_at = now() WHERE id = $1 RETURNING *`,
          [orderId],
        );
        await db.query(
          `INSERT INTO order_events (order_id, event_type, from_status, to_status, payload, actor_key_id)
           VALUES ($1, 'order.confirmed', 'draft', 'confirmed', '{}', $2)`,
          [orderId, keyId],
        );
        await db.query(
          `INSERT INTO audit_log (api_key_id, entity, entity_id, action, diff)
           VALUES ($1, 'order', $2, 'confirm', '{"status":{"from":"draft","to":"confirmed"}}')`,
          [keyId, orderId],
        );
        await db.query(
          `INSERT INTO events (type, entity_type, entity_id, customer_id, payload, actor_key_id)
           VALUES ('order.confirmed', 'order', $1, $2, '{}', $3)`,
          [orderId, customerId, keyId],
        );
        await db.query('COMMIT');
      } catch (e) {
        await db.query('ROLLBACK');
        throw e;
      }
    };
    // Warm both up, then alternate rounds, so a burst of other work on the shared machine lands on
    // both sides instead of skewing the ratio.
    await viaApp(0, WARM_UP);
    await runConcurrently(0, WARM_UP, CLIENTS, viaRaw);
    let appSeconds = 0;
    let rawSeconds = 0;
    let appThread = { busy: 0, cpu: 0, machine: 0 };
    let rawThread = { busy: 0, cpu: 0, machine: 0 };
    for (let r = 0; r < ROUNDS; r++) {
      const from = WARM_UP + Math.floor((ORDERS * r) / ROUNDS);
      const to = WARM_UP + Math.floor((ORDERS * (r + 1)) / ROUNDS);
      let t = threadUse();
      appSeconds += await viaApp(from, to);
      appThread = addUse(appThread, threadUse(t));
      t = threadUse();
      rawSeconds += await runConcurrently(from, to, CLIENTS, viaRaw);
      rawThread = addUse(rawThread, threadUse(t));
    }

    const confirmed = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM orders WHERE status = 'confirmed'`.execute(ops.db);
    if (confirmed.rows[0]!.n !== 2 * (WARM_UP + ORDERS))
      throw new Error(
        `expected ${2 * (WARM_UP + ORDERS)} confirmed orders, found ${confirmed.rows[0]!.n}`,
      );
    const appRate = ORDERS / appSeconds;
    const rawRate = ORDERS / rawSeconds;
    console.log(
      `app over HTTP: ${ORDERS.toLocaleString('en')} orders (create + confirm) at ${CLIENTS} clients in ${appSeconds.toFixed(1)} s = ${appRate.toFixed(0)} orders/s on ${ops.description}`,
    );
    console.log(
      `raw pg, one transaction per order: ${ORDERS.toLocaleString('en')} orders in ${rawSeconds.toFixed(1)} s = ${rawRate.toFixed(0)} orders/s`,
    );
    // Where the time goes: how busy the main thread (the app, or the raw driver) was, and the
    // process's CPU per order (on the app side it includes the HTTP clients' thread).
    for (const [name, use, seconds] of [
      ['app', appThread, appSeconds],
      ['raw', rawThread, rawSeconds],
    ] as const)
      console.log(
        `${name}: main thread busy ${((100 * use.busy) / (seconds * 1000)).toFixed(0)}% of the time; ${(use.cpu / ORDERS).toFixed(1)} ms process CPU per order` +
          (use.machine > 0
            ? `, ${((use.machine - use.cpu) / ORDERS).toFixed(1)} ms other CPU (PostgreSQL, mostly)`
            : ''),
      );
    console.log(
      `ratio app / raw: ${(appRate / rawRate).toFixed(2)} (goal ≥ 0.5); load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${os.cpus().length} CPUs`,
    );
  } finally {
    await loadGenerator?.close();
    if (server) {
      server.closeAllConnections();
      server.close();
    }
    for (const c of rawClients) await c.end().catch(() => {});
    await ops.close();
    await target.drop();
  }
}

/**
 * Freshness benchmark: how long an order confirmed through the API takes to show in
 * GET /reports/sales with no command typed, and what the refresh cycle costs the people using
 * the API meanwhile — on the embedded default (PGlite + DuckDB) with the demo data, in one process
 * as `salesops start` runs it.
 *
 *   npx tsx bench/freshness.ts [minutes with refresh = 3] [orders per second = 1] [demo orders = 20000]
 *
 * Two phases on the same data folder, each a real start of the server (server.ts):
 * 1. baseline — SALESOPS_SCHEDULER=off: orders and reads, no refresh cycle (¼ of the time);
 * 2. refresh — default settings (a change-driven ingest → build at most every 30 s).
 * In both, a steady stream of orders (POST /orders, then POST /orders/{id}/confirm) and a reader
 * (GET /orders?limit=20 every 100 ms). In phase 2 a poller reads the bench customer's order count
 * from GET /reports/sales every 500 ms: an order's lag is from its confirm's answer to the first
 * poll that counts it. Printed: lag p50/p95/max, request latency p50/p99 in both phases and their
 * ratios, and the process CPU the refresh adds (CPU seconds per wall second, phase 2 − phase 1).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../config.ts';
import { startServer, type RunningServer } from '../server.ts';

const MINUTES = Number(process.argv[2] ?? 3);
const RATE = Number(process.argv[3] ?? 1);
const DEMO_ORDERS = Number(process.argv[4] ?? 20_000);

const quiet = () => {};
const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const ms = (v: number) => `${v.toFixed(0)} ms`;

interface Api {
  url: string;
  key: string;
}

async function call(api: Api, method: string, p: string, body?: unknown): Promise<any> {
  const res = await fetch(`${api.url}/api/v1${p}`, {
    method,
    headers: {
      authorization: `Bearer ${api.key}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p} → ${res.status}: ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : undefined;
}

async function start(dataDir: string, scheduler: boolean): Promise<RunningServer> {
  const config = loadConfig({
    SALESOPS_DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'silent',
    SALESOPS_SCHEDULER: scheduler ? 'on' : 'off',
  });
  return startServer(config, { demo: true, demoOrders: DEMO_ORDERS, print: quiet });
}

interface PhaseResult {
  getMs: number[];
  postMs: number[];
  cpuPerSecond: number;
  lags: number[];
}

/** Orders and reads for `seconds`; with `poll`, watch the report for each confirmed order. */
async function phase(
  api: Api,
  seconds: number,
  customerId: number,
  products: number[],
  poll: boolean,
): Promise<PhaseResult> {
  const getMs: number[] = [];
  const postMs: number[] = [];
  const confirmedAt: number[] = [];
  const lags: number[] = [];
  let counted = 0;
  let baseCount = -1;
  const end = performance.now() + seconds * 1000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();

  const reportCount = async (): Promise<number> => {
    const today = new Date().toISOString().slice(0, 10);
    const r = await call(api, 'GET', `/reports/sales?groupBy=customer&from=${today}`);
    const row = (r.rows as { key: string; orders: number }[]).find(
      (x) => String(x.key) === String(customerId),
    );
    return row?.orders ?? 0;
  };

  const reader = (async () => {
    while (performance.now() < end) {
      const t = performance.now();
      await call(api, 'GET', '/orders?limit=20');
      getMs.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();

  const writer = (async () => {
    for (let i = 0; performance.now() < end; i++) {
      const due = t0 + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const productId = products[i % products.length]!;
      let t = performance.now();
      const order = await call(api, 'POST', '/orders', {
        customerId,
        lines: [{ productId, quantity: 1 }],
      });
      postMs.push(performance.now() - t);
      t = performance.now();
      await call(api, 'POST', `/orders/${order.id}/confirm`, {});
      postMs.push(performance.now() - t);
      confirmedAt.push(performance.now());
    }
  })();

  const poller = (async () => {
    if (!poll) return;
    baseCount = await reportCount();
    // Past the end, keep polling (no new orders) until the last one shows, or 3 minutes.
    const giveUp = end + 180_000;
    while (performance.now() < giveUp) {
      const n = (await reportCount()) - baseCount;
      const now = performance.now();
      while (counted < n && counted < confirmedAt.length) lags.push(now - confirmedAt[counted++]!);
      if (performance.now() > end && counted >= confirmedAt.length) break;
      await new Promise((r) => setTimeout(r, 500));
    }
  })();

  await Promise.all([reader, writer]);
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await poller;
  return { getMs, postMs, cpuPerSecond: (cpu.user + cpu.system) / 1e6 / wall, lags };
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'salesops-freshness-'));
  try {
    process.stderr.write(`loading the demo (${DEMO_ORDERS} orders)…\n`);
    let server = await start(dataDir, false);
    const key = server.adminKey!;
    let api: Api = { url: server.url, key };
    const customer = await call(api, 'POST', '/customers', {
      code: `BENCH-${Date.now()}`,
      name: 'Freshness bench',
      country: 'DE',
    });
    // Orders go to the default warehouse (the lowest id): products it holds plenty of.
    const levels = (await call(api, 'GET', '/stock?limit=200')).items as {
      productId: number;
      warehouseId: number;
      available: number;
    }[];
    const home = Math.min(...levels.map((l) => l.warehouseId));
    const products = levels
      .filter((l) => l.warehouseId === home && l.available > 50)
      .map((l) => l.productId)
      .slice(0, 100);

    const total = MINUTES * 60;
    process.stderr.write(`baseline: ${Math.round(total / 4)} s without refresh…\n`);
    const base = await phase(api, total / 4, customer.id, products, false);
    await server.close();

    process.stderr.write('restarting with the scheduler (first refresh)…\n');
    server = await start(dataDir, true);
    api = { url: server.url, key };
    process.stderr.write(`refresh: ${total} s of orders at ${RATE}/s…\n`);
    const live = await phase(api, total, customer.id, products, true);
    await server.close();

    const line = (name: string, a: number[], b: number[]) =>
      `${name.padEnd(22)} p50 ${ms(pct(a, 50))} → ${ms(pct(b, 50))}   p99 ${ms(pct(a, 99))} → ${ms(pct(b, 99))}   ` +
      `ratio p99 ${(pct(b, 99) / pct(a, 99)).toFixed(2)}`;
    console.log(`freshness on the embedded default, ${DEMO_ORDERS} demo orders, ${RATE} order/s`);
    console.log(
      `lag confirm → in /reports/sales: p50 ${(pct(live.lags, 50) / 1000).toFixed(1)} s, ` +
        `p95 ${(pct(live.lags, 95) / 1000).toFixed(1)} s, max ${(Math.max(...live.lags) / 1000).toFixed(1)} s ` +
        `(${live.lags.length} orders; goal p95 ≤ 60 s)`,
    );
    console.log(line('GET /orders', base.getMs, live.getMs));
    console.log(line('order POST', base.postMs, live.postMs));
    console.log(
      `CPU: ${base.cpuPerSecond.toFixed(2)} → ${live.cpuPerSecond.toFixed(2)} core-seconds per second; ` +
        `the refresh cycle's share ${(Math.max(0, live.cpuPerSecond - base.cpuPerSecond) * 100).toFixed(0)} % of a core`,
    );
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();

/**
 * API latency while the warehouse refreshes, on the embedded default (PGlite), with the demo data:
 *
 *   npx tsx bench/refresh-latency.ts [--orders 20000] [--seconds 20] [--rounds 2] [--gap 0]
 *                                    [--get-rate 20] [--post-rate 2]
 *
 * Loads the demo into a PGlite folder in a temp dir, copies it into the warehouse once (timed:
 * what a manual full ingest costs), then serves the real app in-process and fires a steady,
 * open-loop stream of `GET /api/v1/orders?limit=20` (20/s) and `POST /api/v1/orders` (2/s, a
 * draft of three lines: the "few orders changed per cycle") from a worker thread, as staff
 * would from elsewhere. Phases alternate: no ingest (the baseline), incremental ingests back to
 * back (`--gap` ms between them; the server's cycle runs every 30 s, back to back is the worst
 * case and gives the most samples), `--rounds` times; then one full ingest under the same load.
 * It prints p50 / p99 / max per request kind and phase, and each as a ratio to the baseline
 * measured in the same process — absolute times on a shared 2-core machine are noise.
 * Latency is timed in the worker, so a main thread blocked by PGlite is seen, not hidden.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { createApp } from '../api/app.ts';
import { createApiKey } from '../api/auth/service.ts';
import { loadConfig } from '../config.ts';
import { DEFAULT_DEMO_ORDERS, loadDemo } from '../db/demo/index.ts';
import { openEmbedded } from '../db/embedded.ts';
import { releaseFolderLock } from '../db/folder-lock.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { runIngest, type IngestResult } from '../ingest/run.ts';
import { openWarehouse } from '../warehouse/duckdb.ts';
import { HttpConnection } from './http-connection.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} must be a number ≥ 0`);
  return v;
}

const MAX_IN_FLIGHT = 16;

/** One answered request, timed in the worker (ms since the epoch, and its latency). */
interface Sample {
  kind: 'get' | 'post';
  at: number;
  ms: number;
}

interface LoadSetup {
  base: string;
  key: string;
  customers: number[];
  products: number[];
  warehouseId: number;
  /** Requests per second of each kind: a desk of staff browsing and entering orders. */
  getRate: number;
  postRate: number;
}

/**
 * Worker side: open loop, so a stalled server shows as latency instead of slowing the stream.
 * Each request takes an idle keep-alive connection or opens one (a stall opens a few).
 */
function generateLoad(setup: LoadSetup): void {
  const url = new URL(setup.base);
  const headers =
    `Host: ${url.host}\r\nAuthorization: Bearer ${setup.key}\r\n` +
    'Content-Type: application/json\r\nConnection: keep-alive\r\n';
  const idle: HttpConnection[] = [];
  const samples: Sample[] = [];
  let failures = 0;
  let skipped = 0;
  let inFlight = 0;
  let n = 0;
  const fire = async (kind: 'get' | 'post') => {
    // A desk of staff is a bounded crowd: past this many waiting, a stalled server would only
    // pile up connections (and the bench measure its own backlog), so the tick is skipped.
    if (inFlight >= MAX_IN_FLIGHT) {
      skipped++;
      return;
    }
    inFlight++;
    const c = idle.pop() ?? new HttpConnection(url, headers);
    const i = n++;
    const t0 = performance.now();
    const r =
      kind === 'get'
        ? await c.get(`${url.pathname}/orders?limit=20`)
        : await c.post(
            `${url.pathname}/orders`,
            JSON.stringify({
              customerId: setup.customers[i % setup.customers.length],
              warehouseId: setup.warehouseId,
              lines: [0, 1, 2].map((k) => ({
                productId: setup.products[(i * 7 + k * 13) % setup.products.length],
                quantity: 1 + k,
              })),
            }),
          );
    const ms = performance.now() - t0;
    inFlight--;
    idle.push(c);
    if (r.status >= 300) {
      if (failures++ < 3) console.error(`${kind}: ${r.status} ${r.body.slice(0, 200)}`);
      return;
    }
    samples.push({ kind, at: performance.timeOrigin + t0, ms });
  };
  const timers = [
    setInterval(() => void fire('get').catch(() => (failures++, inFlight--)), 1000 / setup.getRate),
    setInterval(
      () => void fire('post').catch(() => (failures++, inFlight--)),
      1000 / setup.postRate,
    ),
  ];
  parentPort!.on('message', (m: string) => {
    if (m !== 'stop') return;
    for (const t of timers) clearInterval(t);
    // Let requests in flight answer.
    setTimeout(() => {
      parentPort!.postMessage({ samples, failures, skipped });
      for (const c of idle) c.close();
    }, 2000);
  });
}

if (!isMainThread) generateLoad(workerData as LoadSetup);
else await main();

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

function stats(samples: Sample[], kind: Sample['kind']) {
  const ms = samples
    .filter((s) => s.kind === kind)
    .map((s) => s.ms)
    .sort((a, b) => a - b);
  return { n: ms.length, p50: quantile(ms, 0.5), p99: quantile(ms, 0.99), max: ms.at(-1) ?? NaN };
}

async function main(): Promise<void> {
  const orders = arg('orders', DEFAULT_DEMO_ORDERS);
  const phaseMs = arg('seconds', 20) * 1000;
  const rounds = arg('rounds', 2);
  const gapMs = arg('gap', 0);
  const getRate = arg('get-rate', 20);
  const postRate = arg('post-rate', 2);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-refresh-'));
  const config = loadConfig({ SALESOPS_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent' });
  const ops = await openEmbedded(path.join(dataDir, 'pglite'));
  const warehouse = await openWarehouse(config, 'bench');
  let server: http.Server | undefined;
  let worker: Worker | undefined;
  try {
    await migrateToLatest(ops.db);
    let t0 = performance.now();
    await loadDemo(ops, { orders, seed: 1 });
    const loadedAt = Date.now();
    console.log(
      `refresh-latency bench on ${ops.description}: demo of ${orders.toLocaleString('en')} orders loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const ingest = (full = false) =>
      runIngest(ops, warehouse, { tempDir: config.ingestTempDir, full });
    t0 = performance.now();
    const first = await ingest(true);
    console.log(
      `first full ingest (no load): ${((performance.now() - t0) / 1000).toFixed(2)} s, ` +
        `${first.tables.reduce((n, t) => n + t.rowsRead, 0).toLocaleString('en')} rows`,
    );

    // Staff see the customers of their rep's team (api/auth/scope.ts): a rep with a team.
    const [rep] = (
      await ops.pool.query<{ id: string; team_id: string }>(
        `SELECT id, team_id FROM sales_reps WHERE team_id IS NOT NULL ORDER BY id LIMIT 1`,
      )
    ).rows;
    const { key } = await createApiKey(ops.db, {
      name: 'bench',
      role: 'staff',
      repId: Number(rep!.id),
    });
    const ids = async (q: string) =>
      (await ops.pool.query<{ id: string }>(q)).rows.map((r) => Number(r.id));
    const setup: Omit<LoadSetup, 'base'> = {
      key,
      customers: await ids(
        `SELECT id FROM customers WHERE owner_rep_id IS NULL OR owner_rep_id IN
           (SELECT id FROM sales_reps WHERE team_id = ${Number(rep!.team_id)}) ORDER BY id LIMIT 200`,
      ),
      products: await ids(`SELECT id FROM products WHERE active ORDER BY id LIMIT 200`),
      warehouseId: (await ids(`SELECT id FROM warehouses ORDER BY id LIMIT 1`))[0]!,
      getRate,
      postRate,
    };
    const logger = pino({ level: 'silent' });
    server = http.createServer(createApp({ config, ops, warehouse, logger }));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
    // A worker does not inherit tsx's loader: register it, then load this file as the worker.
    const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
      .then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
    worker = new Worker(boot, { eval: true, workerData: { ...setup, base } satisfies LoadSetup });
    const generator = worker;
    const done = new Promise<{ samples: Sample[]; failures: number; skipped: number }>(
      (resolve, reject) => {
        generator.once('message', resolve);
        generator.once('error', reject);
      },
    );

    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    /** [start, end) of each phase, epoch ms. */
    const phases: { name: 'idle' | 'incremental' | 'full'; from: number; to: number }[] = [];
    const runs: IngestResult[] = [];
    // Warm-up, not counted: connections, V8, PGlite's caches, and the safety lag (30 s): until
    // it has passed since the demo load, every incremental run re-reads the demo's rows.
    await sleep(Math.max(3000, loadedAt + 35_000 - Date.now()));
    await ingest();
    await ingest();
    for (let r = 0; r < rounds; r++) {
      let from = Date.now();
      await sleep(phaseMs);
      phases.push({ name: 'idle', from, to: Date.now() });
      from = Date.now();
      while (Date.now() - from < phaseMs) {
        runs.push(await ingest());
        if (gapMs) await sleep(gapMs);
      }
      phases.push({ name: 'incremental', from, to: Date.now() });
    }
    await sleep(1000);
    const fullFrom = Date.now();
    const full = await ingest(true);
    phases.push({ name: 'full', from: fullFrom, to: Date.now() });
    await sleep(1000);
    generator.postMessage('stop');
    const { samples, failures, skipped } = await done;

    const inPhase = (name: string) =>
      samples.filter((s) => phases.some((p) => p.name === name && s.at >= p.from && s.at < p.to));
    const runMs = runs.map((r) => r.durationMs).sort((a, b) => a - b);
    console.log(
      `incremental runs: ${runs.length}, ${quantile(runMs, 0.5)} ms median, ${runMs.at(-1)} ms max; ` +
        `rows read per run ${Math.round(runs.reduce((n, r) => n + r.tables.reduce((m, t) => m + t.rowsRead, 0), 0) / Math.max(1, runs.length))} on average`,
    );
    const warned = runs.filter((r) => r.warnings.length);
    if (warned.length)
      console.log(`runs with warnings: ${warned.length}, e.g. ${warned[0]!.warnings[0]}`);
    console.log(`full ingest under load: ${full.durationMs} ms`);
    const fmt = (v: number) => `${v.toFixed(0).padStart(5)} ms`;
    for (const kind of ['get', 'post'] as const) {
      const label = kind === 'get' ? 'GET /orders?limit=20' : 'POST /orders';
      const base = stats(inPhase('idle'), kind);
      for (const name of ['idle', 'incremental', 'full'] as const) {
        const s = stats(inPhase(name), kind);
        const ratio =
          name === 'idle'
            ? ''
            : `   ×${(s.p50 / base.p50).toFixed(1)} / ×${(s.p99 / base.p99).toFixed(1)} of the idle p50 / p99`;
        console.log(
          `  ${label.padEnd(21)} ${name.padEnd(12)} n=${String(s.n).padStart(4)}  p50 ${fmt(s.p50)}  p99 ${fmt(s.p99)}  max ${fmt(s.max)}${ratio}`,
        );
      }
    }
    console.log(
      `failed requests: ${failures}, ticks skipped with ${MAX_IN_FLIGHT} in flight: ${skipped}; load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${os.cpus().length} CPUs`,
    );
  } finally {
    await worker?.terminate();
    if (server) {
      server.closeAllConnections();
      server.close();
    }
    warehouse.close();
    await ops.close();
    releaseFolderLock(dataDir);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

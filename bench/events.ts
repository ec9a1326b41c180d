/**
 * bench/events.ts — what the outbox (issue #17) costs and carries, through the real app over HTTP
 * on PostgreSQL, with the server's background (the event hub, the webhook dispatcher) running:
 *
 * 1. Order rate with the outbox against without: confirmed orders per second (create + confirm,
 *    `clients` at a time, bench/order-load.ts), in alternating rounds. "Without" discards the
 *    events rows in the database (a BEFORE INSERT trigger returning NULL), so it saves the
 *    outbox's writes, its publishing and its index upkeep; building each payload in the app is
 *    paid on both sides, which flatters "without" a little. Goal: with ≥ 0.9 × without.
 * 2. Delivery while orders are posted at that rate: one SSE client on GET /events/stream and one
 *    webhook receiver (a local server subscribed to every event). Each counts what it got, and
 *    the delay from the event's occurredAt (its insert, a little before its commit) to arrival:
 *    p50 and p99, and the events per second each sustained. The receiver runs in a worker
 *    thread; the SSE client in the app's thread (it only parses text).
 *
 *   npx tsx bench/events.ts [orders per round = 500] [clients = 16] [rounds = 4]
 * Uses a fresh database on TEST_PG_URL's cluster, dropped afterwards.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { pino } from 'pino';
import { createApp } from '../api/app.ts';
import { createApiKey } from '../api/auth/service.ts';
import { loadConfig } from '../config.ts';
import type { AppContext } from '../context.ts';
import { loadDashboards } from '../dashboards/catalog.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { openPostgres } from '../db/postgres.ts';
import { startBackground } from '../jobs/start.ts';
import { createTestDatabase } from '../test/support/postgres.ts';
import { parseSse } from '../test/support/sse-parse.ts';
import { openWarehouse } from '../warehouse/duckdb.ts';
import { seedOrderBench, startOrderLoad } from './order-load.ts';
import { startReceiverWorker } from './receiver-worker.ts';

const PER_ROUND = Number(process.argv[2] ?? 500);
const CLIENTS = Number(process.argv[3] ?? 16);
const ROUNDS = Number(process.argv[4] ?? 4);
const WARM_UP = 300;
const GOAL = 0.9;

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const ms = (x: number) => (Number.isNaN(x) ? '—' : `${x.toFixed(1)} ms`);

/** What a consumer got: how many, and each one's delay from occurredAt (ms). */
interface Received {
  count: number;
  delays: number[];
  first: number;
  last: number;
}
const received = (): Received => ({ count: 0, delays: [], first: 0, last: 0 });
function note(r: Received, occurredAt: string): void {
  const now = Date.now();
  if (r.count === 0) r.first = performance.now();
  r.last = performance.now();
  r.count++;
  r.delays.push(now - Date.parse(occurredAt));
}

/** An SSE client reading everything from `after` on, counting into `into`. */
async function follow(base: string, key: string, after: number, into: Received) {
  const ctrl = new AbortController();
  const res = await fetch(`${base}/events/stream?after=${after}`, {
    headers: { authorization: `Bearer ${key}` },
    signal: ctrl.signal,
  });
  if (res.status !== 200) throw new Error(`stream: ${res.status} ${await res.text()}`);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const done = (async () => {
    let buffer = '';
    for (;;) {
      const chunk = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (chunk.done) return;
      const { messages, rest } = parseSse(buffer + decoder.decode(chunk.value, { stream: true }));
      buffer = rest;
      for (const m of messages)
        if (m.event && m.event !== 'cutoff') note(into, JSON.parse(m.data!).occurredAt);
    }
  })();
  return {
    close: async () => {
      ctrl.abort();
      await done;
    },
  };
}

async function main(): Promise<void> {
  const target = await createTestDatabase('salesops_bench');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'salesops-bench-events-'));
  const ops = await openPostgres(target.url, { max: CLIENTS + 6 });
  const config = loadConfig({
    SALESOPS_DATA_DIR: dataDir,
    PORT: '0',
    SALESOPS_SCHEDULER: 'off',
    SALESOPS_WEBHOOK_ALLOW_PRIVATE: 'true',
  });
  const logger = pino({ level: 'info' }, pino.destination('/dev/null'));
  let server: http.Server | undefined;
  let load: ReturnType<typeof startOrderLoad> | undefined;
  let background: Awaited<ReturnType<typeof startBackground>> | undefined;
  let warehouse: Awaited<ReturnType<typeof openWarehouse>> | undefined;
  try {
    await migrateToLatest(ops.db);
    await seedOrderBench(ops.db);
    warehouse = await openWarehouse(config, 'bench');
    const base: AppContext = {
      config,
      ops,
      warehouse,
      logger,
      dashboards: await loadDashboards(),
    };
    background = await startBackground(base);
    server = http.createServer(createApp(background.ctx));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
    const manager = await createApiKey(ops.db, { name: 'bench', role: 'manager', repId: 1 });
    const admin = await createApiKey(ops.db, { name: 'bench-admin', role: 'admin' });
    load = startOrderLoad(api, manager.key, CLIENTS);

    // The switch for "without": rows inserted into events are dropped by the database.
    await sql`CREATE FUNCTION bench_discard() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN RETURN NULL; END $$`.execute(ops.db);
    await sql`CREATE TRIGGER bench_discard BEFORE INSERT ON events
      FOR EACH ROW EXECUTE FUNCTION bench_discard()`.execute(ops.db);
    const outbox = (on: boolean) =>
      sql
        .raw(`ALTER TABLE events ${on ? 'DISABLE' : 'ENABLE'} TRIGGER bench_discard`)
        .execute(ops.db);

    // --- 1. order rate, with and without ------------------------------------------------------
    let next = 0;
    await outbox(true);
    await load.post(next, (next += WARM_UP));
    await outbox(false);
    await load.post(next, (next += WARM_UP));
    const secs = { with: 0, without: 0 };
    for (let r = 0; r < ROUNDS; r++) {
      for (const side of r % 2 === 0
        ? (['with', 'without'] as const)
        : (['without', 'with'] as const)) {
        await outbox(side === 'with');
        secs[side] += await load.post(next, (next += PER_ROUND));
      }
    }
    const rate = {
      with: (ROUNDS * PER_ROUND) / secs.with,
      without: (ROUNDS * PER_ROUND) / secs.without,
    };
    const events = await sql<{ n: string }>`SELECT count(*)::text AS n FROM events`.execute(ops.db);
    console.log(
      `orders (create + confirm) at ${CLIENTS} clients, ${ROUNDS} rounds of ${PER_ROUND} per side on ${ops.description}:`,
    );
    console.log(
      `  with the outbox:    ${rate.with.toFixed(0)} orders/s (${events.rows[0]!.n} events written in all)`,
    );
    console.log(`  without the outbox: ${rate.without.toFixed(0)} orders/s`);
    console.log(
      `  ratio with / without: ${(rate.with / rate.without).toFixed(2)} (goal ≥ ${GOAL}: ${rate.with / rate.without >= GOAL ? 'met' : 'NOT met'})`,
    );

    // --- 2. delivery while orders are posted --------------------------------------------------
    await outbox(true);
    await background.ctx.events!.wake();
    const from = background.ctx.events!.lastId;
    const sse = received();
    const stream = await follow(api, admin.key, from, sse);
    const hooks = received();
    const receiver = await startReceiverWorker((m) => {
      if (hooks.count === 0) hooks.first = performance.now();
      hooks.last = performance.now();
      hooks.count++;
      hooks.delays.push(m.at - Date.parse(m.occurredAt));
    });
    const hook = await fetch(`${api}/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        url: receiver.url,
        eventTypes: ['*'],
      }),
    });
    const webhooks = hook.status === 201;
    if (!webhooks) console.log(`  (no webhook: POST /webhooks answered ${hook.status})`);
    const t0 = performance.now();
    const postSecs = await load.post(next, (next += ROUNDS * PER_ROUND));
    await background.ctx.events!.wake(); // everything posted is published
    const expected = Number(
      (
        await sql<{ n: string }>`SELECT count(*)::text AS n FROM events WHERE id > ${from}`.execute(
          ops.db,
        )
      ).rows[0]!.n,
    );
    // Wait for both consumers to catch up (or 60 s).
    for (let waited = 0; waited < 60_000; waited += 100) {
      if (sse.count >= expected && (!webhooks || hooks.count >= expected)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const drained = (performance.now() - t0) / 1000;
    await stream.close();
    await receiver.terminate();
    console.log(
      `\nwhile ${ROUNDS * PER_ROUND} orders were posted (${((ROUNDS * PER_ROUND) / postSecs).toFixed(0)} orders/s, ${expected} events, ${(expected / postSecs).toFixed(0)} events/s written):`,
    );
    for (const [name, r] of [
      ['SSE feed', sse],
      ['webhooks', hooks],
    ] as const) {
      if (name === 'webhooks' && !webhooks) continue;
      const span = (r.last - r.first) / 1000;
      console.log(
        `  ${name}: ${r.count} of ${expected} events, ${(r.count / Math.max(span, 0.001)).toFixed(0)} events/s; delay from insert p50 ${ms(pct(r.delays, 50))}, p99 ${ms(pct(r.delays, 99))}, max ${ms(Math.max(...r.delays))}`,
      );
    }
    console.log(
      `  all delivered ${drained.toFixed(1)} s after posting began; load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${os.availableParallelism()} CPUs`,
    );
  } finally {
    await load?.close();
    if (server) {
      server.closeAllConnections();
      server.close();
    }
    await background?.close();
    warehouse?.close();
    await ops.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    await target.drop();
  }
}

await main();

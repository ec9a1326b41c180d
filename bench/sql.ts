/**
 * bench/sql.ts — what POST /api/v1/sql costs over the same query run straight through DuckDB.
 *
 * A warehouse in a temp folder gets one table of `--rows` rows (BIGINT, DECIMAL(18,2), VARCHAR,
 * TIMESTAMPTZ, a NULL every 7th row) in `marts`; the real app serves it in-process on a fresh
 * PostgreSQL database (for the analyst key). In rounds that alternate which goes first:
 *   raw:   the query on its own DuckDB connection of the same instance, every row read into JS
 *          values (`getRows()`), the least any client of DuckDB pays to have the rows;
 *   chunks: the same query with its data chunks fetched and no values made — DuckDB's own work
 *          and nothing else, which the Arrow answer copies its buffers from; shown for what the
 *          endpoint adds over DuckDB itself, not a goal of #15;
 *   arrow: POST /api/v1/sql with Accept application/vnd.apache.arrow.stream, the whole body read;
 *   json:  the same with Accept application/json, the whole body read (not parsed: what the server
 *          costs, not the client);
 *   wire:  the same query over the PostgreSQL wire protocol (sqlwire/, #18) from a client that
 *          reads every message and parses none (bench/wire-client.ts), on a signed-in
 *          connection;
 *   small: a 10-row query both ways, as latency (p50 / p95).
 * Goals (#15): arrow ≤ 1.3× raw and json ≤ 3× raw for the big result; small ≤ raw + 5 ms.
 * Goal (#18): wire ≤ 2× raw for the big result.
 *
 *   npx tsx bench/sql.ts [--rows 1000000] [--rounds 5]
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { createApp } from '../api/app.ts';
import { createApiKey } from '../api/auth/service.ts';
import { loadConfig } from '../config.ts';
import type { AppContext } from '../context.ts';
import { releaseFolderLock } from '../db/folder-lock.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { openPostgres } from '../db/postgres.ts';
import { createTestDatabase } from '../test/support/postgres.ts';
import { openWarehouse, type Warehouse } from '../warehouse/duckdb.ts';
import { startWireServer } from '../sqlwire/server.ts';
import { fmt, intArg } from './demo-warehouse.ts';
import { WireBenchClient } from './wire-client.ts';

const ROWS = intArg('rows', 1_000_000);
const ROUNDS = intArg('rounds', 5);
/** Small-query samples per side (latency wants more than the big result's rounds). */
const SMALL = 200;
const BIG_SQL = 'SELECT * FROM marts.bench_rows ORDER BY id';
const SMALL_SQL = 'SELECT * FROM marts.bench_rows WHERE id < 10 ORDER BY id';

function percentile(xs: number[], p: number): number {
  const v = [...xs].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)]!;
}
const median = (xs: number[]) => percentile(xs, 50);

async function raw(w: Warehouse, sql: string): Promise<number> {
  const t0 = performance.now();
  const conn = await w.connect();
  try {
    const reader = await conn.runAndReadAll(sql);
    if (reader.getRows().length < 0) throw new Error('unreachable');
  } finally {
    conn.closeSync();
  }
  return performance.now() - t0;
}

/** `sql` streamed on its own connection, every data chunk fetched, no value read out. */
async function chunksOnly(w: Warehouse, sql: string): Promise<number> {
  const t0 = performance.now();
  const conn = await w.connect();
  const prepared = await conn.prepare(sql);
  try {
    const result = await prepared.stream();
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
    }
  } finally {
    prepared.destroySync();
    conn.closeSync();
  }
  return performance.now() - t0;
}

async function endpoint(base: string, key: string, sql: string, accept: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${base}/api/v1/sql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept },
    body: JSON.stringify({ sql, limit: ROWS, timeoutMs: 120_000 }),
  });
  const body = await res.arrayBuffer();
  if (res.status !== 200)
    throw new Error(`${accept}: ${res.status} ${Buffer.from(body).toString().slice(0, 300)}`);
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const target = await createTestDatabase('salesops_bench_sql');
  const ops = await openPostgres(target.url);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'salesops-sql-bench-'));
  const config = loadConfig({
    SALESOPS_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    // The wire door answers up to the server's row cap (the protocol cannot ask for more).
    SALESOPS_SQL_PORT: '0',
    SALESOPS_SQL_ROW_LIMIT: String(ROWS),
    SALESOPS_SQL_TIMEOUT_SECONDS: '120',
  });
  const warehouse = await openWarehouse(config, 'bench');
  const server = http.createServer();
  let closeWire = async () => {};
  try {
    await migrateToLatest(ops.db);
    const setup = await warehouse.connect();
    await setup.run(`CREATE SCHEMA IF NOT EXISTS marts;
      CREATE OR REPLACE TABLE marts.bench_rows AS
      SELECT i AS id, CAST(i * 1.25 AS DECIMAL(18, 2)) AS amount,
             CASE WHEN i % 7 = 0 THEN NULL ELSE 'customer ' || i END AS name,
             TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(i) AS at
      FROM range(${ROWS}) AS t(i)`);
    setup.closeSync();
    const ctx: AppContext = { config, ops, warehouse, logger: pino({ level: 'silent' }) };
    server.on('request', createApp(ctx));
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { key } = await createApiKey(ops.db, { name: 'bench', role: 'analyst', repId: null });
    const wire = (await startWireServer(ctx))!;
    const wireClient = await WireBenchClient.connect(wire.host, wire.port, 'key', key);
    closeWire = async () => {
      wireClient.close();
      await wire.close();
    };
    const overWire = async (sql: string) => {
      const t0 = performance.now();
      const rows = await wireClient.query(sql);
      if (rows !== ROWS) throw new Error(`wire: ${rows} rows, not ${ROWS}`);
      return performance.now() - t0;
    };

    const ARROW = 'application/vnd.apache.arrow.stream';
    const JSON_TYPE = 'application/json';
    const t = {
      raw: [] as number[],
      chunks: [] as number[],
      arrow: [] as number[],
      json: [] as number[],
      wire: [] as number[],
    };
    const ratios = {
      arrow: [] as number[],
      json: [] as number[],
      wire: [] as number[],
      arrowChunks: [] as number[],
    };
    for (let round = 0; round <= ROUNDS; round++) {
      // Round 0 warms caches and V8 and is not counted; then every other round in reverse.
      const steps: (keyof typeof t)[] =
        round % 2
          ? ['raw', 'chunks', 'arrow', 'json', 'wire']
          : ['wire', 'json', 'arrow', 'chunks', 'raw'];
      const got: Partial<Record<keyof typeof t, number>> = {};
      for (const step of steps)
        got[step] =
          step === 'raw'
            ? await raw(warehouse, BIG_SQL)
            : step === 'chunks'
              ? await chunksOnly(warehouse, BIG_SQL)
              : step === 'wire'
                ? await overWire(BIG_SQL)
                : await endpoint(base, key, BIG_SQL, step === 'arrow' ? ARROW : JSON_TYPE);
      if (round === 0) continue;
      for (const step of steps) t[step].push(got[step]!);
      ratios.arrow.push(got.arrow! / got.raw!);
      ratios.json.push(got.json! / got.raw!);
      ratios.wire.push(got.wire! / got.raw!);
      ratios.arrowChunks.push(got.arrow! / got.chunks!);
      console.error(
        `  round ${round}: raw ${fmt(got.raw!)} ms  chunks ${fmt(got.chunks!)} ms  arrow ${fmt(got.arrow!)} ms  json ${fmt(got.json!)} ms  wire ${fmt(got.wire!)} ms`,
      );
    }

    const small = { raw: [] as number[], app: [] as number[] };
    for (let i = 0; i < SMALL + 20; i++) {
      const r = await raw(warehouse, SMALL_SQL);
      const a = await endpoint(base, key, SMALL_SQL, JSON_TYPE);
      if (i < 20) continue;
      small.raw.push(r);
      small.app.push(a);
    }
    const ms = (n: number) => `${n.toFixed(1)} ms`;
    console.log(
      [
        `sql bench: ${fmt(ROWS)} rows × 4 columns; ${os.availableParallelism()} cores; ${ROUNDS} rounds`,
        `  raw DuckDB, rows into JS       median ${fmt(median(t.raw))} ms`,
        `  raw DuckDB, chunks only        median ${fmt(median(t.chunks))} ms   ` +
          `arrow/chunks ${median(ratios.arrowChunks).toFixed(2)}× (no goal: DuckDB's own work)`,
        `  POST /sql as Arrow             median ${fmt(median(t.arrow))} ms   ` +
          `arrow/raw ${median(ratios.arrow).toFixed(2)}× (median of rounds), goal ≤ 1.3×`,
        `  POST /sql as JSON              median ${fmt(median(t.json))} ms   ` +
          `json/raw ${median(ratios.json).toFixed(2)}× (median of rounds), goal ≤ 3×`,
        `  PostgreSQL wire protocol       median ${fmt(median(t.wire))} ms   ` +
          `wire/raw ${median(ratios.wire).toFixed(2)}× (median of rounds), goal ≤ 2×`,
        `  10 rows: raw p50 ${ms(median(small.raw))} p95 ${ms(percentile(small.raw, 95))}; ` +
          `POST /sql p50 ${ms(median(small.app))} p95 ${ms(percentile(small.app, 95))}; ` +
          `overhead p50 ${ms(median(small.app) - median(small.raw))}, goal ≤ 5 ms`,
      ].join('\n'),
    );
  } finally {
    await closeWire();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    warehouse.close();
    releaseFolderLock(dataDir);
    fs.rmSync(dataDir, { recursive: true, force: true });
    await ops.close();
    await target.drop();
  }
}

await main();

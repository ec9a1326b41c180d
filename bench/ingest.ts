/**
 * bench/ingest.ts — what the PostgreSQL → DuckDB ingest costs over the COPY it is built on.
 *
 * Generates N order lines (default 1 M) with generate_series in a PostgreSQL database created
 * for the run (dropped afterwards), with updated_at in the past as in a real history, then times
 * in one process, alternating rounds and keeping the best of each:
 *   (a) baseline: `COPY (SELECT * FROM order_lines) TO STDOUT (FORMAT csv)` into a null sink;
 *   (b) runIngest --full --tables order_lines (the comparable figure), peak RSS sampled every
 *       50 ms while it runs;
 *   (c) runIngest --full of every table;
 * then (d) an incremental run of every table with nothing changed, and (e) one after an UPDATE of
 * 1 % of order_lines (a different 1 % each round, spread over the whole table: every 100th id).
 * Goals: b/a ≥ 0.70, RSS ≤ 512 MB at 10 M, (d) ≤ 1 s, (e) ≤ 5 % of (c). The CPU time of this
 * process is printed too: on a busy 2-core machine b/a is mostly the ratio of CPU spent.
 *
 *   npx tsx bench/ingest.ts [--lines 1000000] [--rounds 2]
 * The cluster is TEST_PG_URL's (default: the local trust-auth one).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { to as copyTo } from 'pg-copy-streams';
import { loadConfig } from '../config.ts';
import { releaseFolderLock } from '../db/folder-lock.ts';
import { migrateToLatest } from '../db/migrate.ts';
import type { OperationalDb } from '../db/operational.ts';
import { openPostgres } from '../db/postgres.ts';
import { runIngest, type IngestOptions, type IngestResult } from '../ingest/run.ts';
import { createTestDatabase } from '../test/support/postgres.ts';
import { openWarehouse, type Warehouse } from '../warehouse/duckdb.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
}
const LINES = arg('lines', 1_000_000);
const ROUNDS = arg('rounds', 2);
/** Lines inserted per statement: keeps each transaction's WAL and progress output reasonable. */
const BATCH = 1_000_000;
const RSS_SAMPLE_MS = 50;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (bytes: number) => `${fmt(bytes / 1024 / 1024)} MB`;
const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');

/**
 * A sales history shaped like the demo's: 1 line in 5 starts an order. Foreign-key and
 * hard-delete triggers are off while loading (session_replication_role = replica): the rows are
 * consistent by construction and the load is 2–3× faster. updated_at lies in 2025, so the
 * incremental runs below read only what the bench changes, as on a database that is not brand new.
 */
async function generate(ops: OperationalDb, lines: number): Promise<void> {
  const orders = Math.ceil(lines / 5);
  const ts = (g: string) => `timestamptz '2025-01-01 00:00:00+00' + ${g} * interval '1 second'`;
  const client = await ops.pool.connect();
  try {
    await client.query(`SET session_replication_role = replica`);
    await client.query(`
      INSERT INTO teams (name) SELECT 'Team ' || g FROM generate_series(1, 10) g;
      INSERT INTO sales_reps (code, name, email, team_id)
        SELECT 'R' || g, 'Rep ' || g, 'r' || g || '@example.test', 1 + g % 10 FROM generate_series(1, 100) g;
      INSERT INTO customers (code, name, email, city, country, credit_limit, tags, owner_rep_id, created_at, updated_at)
        SELECT 'C' || g, 'Customer ' || g || ', Ltd', 'c' || g || '@example.test', 'City ' || g % 50,
               'FR', 10000.00, '{retail}', 1 + g % 100, ${ts('g')}, ${ts('g')}
        FROM generate_series(1, 5000) g;
      INSERT INTO products (sku, name, list_price, cost, created_at, updated_at)
        SELECT 'SKU' || g, 'Product ' || g, 10 + g % 500 + 0.99, 4 + g % 250 + 0.25, ${ts('g')}, ${ts('g')}
        FROM generate_series(1, 2000) g;`);
    for (let from = 1; from <= orders; from += BATCH) {
      const to = Math.min(orders, from + BATCH - 1);
      await client.query(`
        INSERT INTO orders (id, number, customer_id, rep_id, status, subtotal, total, source,
                            ordered_at, created_at, updated_at)
          SELECT g, 'SO' || g, 1 + g % 5000, 1 + g % 100, 'delivered', 250.50, 250.50, 'demo',
                 ${ts('g')}, ${ts('g')}, ${ts('g')}
          FROM generate_series(${from}, ${to}) g`);
    }
    for (let from = 1; from <= lines; from += BATCH) {
      const to = Math.min(lines, from + BATCH - 1);
      const t0 = performance.now();
      await client.query(`
        INSERT INTO order_lines (id, order_id, line_no, product_id, quantity, unit_price, discount,
                                 line_total, unit_cost, created_at, updated_at)
          SELECT g, 1 + (g - 1) / 5, 1 + (g - 1) % 5, 1 + g % 2000, 1 + g % 9, 12.9900,
                 CASE WHEN g % 4 = 0 THEN 0.0500 ELSE 0 END, 50.10, 8.1000, ${ts('g / 5')}, ${ts('g / 5')}
          FROM generate_series(${from}, ${to}) g`);
      console.error(
        `  generated order lines ${fmt(to)} / ${fmt(lines)} (${secs(performance.now() - t0)})`,
      );
    }
    await client.query(`SELECT setval(pg_get_serial_sequence('orders', 'id'), ${orders})`);
    await client.query(`SELECT setval(pg_get_serial_sequence('order_lines', 'id'), ${lines})`);
  } finally {
    await client.query(`RESET session_replication_role`).catch(() => {});
    client.release();
  }
  // As autovacuum would have by now: visibility map and hint bits set, statistics fresh.
  await ops.pool.query('VACUUM ANALYZE');
}

/** (a) The baseline: PostgreSQL's CSV COPY of the table into a sink that only counts bytes. */
async function rawCopy(
  ops: OperationalDb,
): Promise<{ ms: number; cpuMs: number; rows: number; bytes: number }> {
  const client = await ops.pool.connect();
  try {
    // The session formats the ingest sets, so both sides format values the same way.
    await client.query(
      `SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 1`,
    );
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const stream = client.query(copyTo(`COPY (SELECT * FROM order_lines) TO STDOUT (FORMAT csv)`));
    let bytes = 0;
    for await (const chunk of stream) bytes += (chunk as Buffer).length;
    return { ms: performance.now() - t0, cpuMs: cpuMs(cpu0), rows: stream.rowCount, bytes };
  } finally {
    client.release();
  }
}

/** A run with the process's resident set sampled while it works. */
async function timedRun(
  ops: OperationalDb,
  warehouse: Warehouse,
  options: IngestOptions,
): Promise<{ ms: number; cpuMs: number; peakRss: number; result: IngestResult }> {
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, RSS_SAMPLE_MS);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    const result = await runIngest(ops, warehouse, options);
    return { ms: performance.now() - t0, cpuMs: cpuMs(cpu0), peakRss, result };
  } finally {
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
}

/** CPU time of this process (all its threads, DuckDB's included) since `from`. */
function cpuMs(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}

const rowsRead = (r: IngestResult) => r.tables.reduce((n, t) => n + t.rowsRead, 0);

async function main(): Promise<void> {
  const target = await createTestDatabase('salesops_bench');
  const ops = await openPostgres(target.url);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'salesops-ingest-bench-'));
  const config = loadConfig({ SALESOPS_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  let warehouse: Warehouse | undefined;
  try {
    await migrateToLatest(ops.db);
    console.error(`generating ${fmt(LINES)} order lines in ${ops.description}`);
    await generate(ops, LINES);
    warehouse = await openWarehouse(config, 'bench');
    const base: IngestOptions = { tempDir: config.ingestTempDir };

    let a = { ms: Infinity, cpuMs: 0, rows: 0, bytes: 0 };
    let b = { ms: Infinity, cpuMs: 0, peakRss: 0, rows: 0 };
    let c = { ms: Infinity, rows: 0, tables: 0 };
    for (let round = 1; round <= ROUNDS; round++) {
      const ra = await rawCopy(ops);
      if (ra.ms < a.ms) a = ra;
      const rb = await timedRun(ops, warehouse, { ...base, full: true, tables: ['order_lines'] });
      const peakRss = Math.max(b.peakRss, rb.peakRss);
      b =
        rb.ms < b.ms
          ? { ms: rb.ms, cpuMs: rb.cpuMs, peakRss, rows: rowsRead(rb.result) }
          : { ...b, peakRss };
      const rc = await timedRun(ops, warehouse, { ...base, full: true });
      if (rc.ms < c.ms)
        c = { ms: rc.ms, rows: rowsRead(rc.result), tables: rc.result.tables.length };
      console.error(
        `  round ${round}: (a) ${secs(ra.ms)}  (b) ${secs(rb.ms)}  (c) ${secs(rc.ms)}  ` +
          `peak RSS ${mb(rb.peakRss)}`,
      );
    }

    // (d) Nothing changed: every table is checked, nothing is read (the default 30 s lag reaches
    // back over rows written in 2025 only). Best of a few, since the run is short.
    let d = Infinity;
    for (let i = 0; i < Math.max(3, ROUNDS); i++) {
      d = Math.min(d, (await timedRun(ops, warehouse, base)).ms);
    }
    // (e) 1 % of the lines changed (the trigger stamps updated_at = clock time), a different 1 %
    // each round. No safety lag here, so that each round reads its own 1 % only, as the first
    // would with the default lag (nothing else changed in the 30 s before it).
    let e = { ms: Infinity, updated: 0, read: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const updated = await ops.pool.query(
        `UPDATE order_lines SET returned_quantity = 0 WHERE id % 100 = ${round}`,
      );
      const r = await timedRun(ops, warehouse, { ...base, safetyLagMs: 0 });
      const read = r.result.tables.find((t) => t.table === 'order_lines')?.rowsRead ?? 0;
      if (r.ms < e.ms) e = { ms: r.ms, updated: updated.rowCount ?? 0, read };
    }

    const aRate = (a.rows * 1000) / a.ms;
    const bRate = (b.rows * 1000) / b.ms;
    const ratio = bRate / aRate;
    const share = e.ms / c.ms;
    const lines = [
      `ingest bench: ${fmt(LINES)} order lines, ${ops.description}, best of ${ROUNDS}`,
      `  (a) raw COPY order_lines → null sink   ${fmt(a.rows).padStart(12)} rows  ${secs(a.ms).padStart(9)}  ${fmt(aRate).padStart(10)} rows/s  (${mb(a.bytes)} CSV)`,
      `  (b) ingest --full --tables order_lines ${fmt(b.rows).padStart(12)} rows  ${secs(b.ms).padStart(9)}  ${fmt(bRate).padStart(10)} rows/s`,
      `      ratio b/a                          ${ratio.toFixed(2).padStart(12)}   goal ≥ 0.70  ${verdict(ratio >= 0.7)}`,
      `      CPU of this process, (a) / (b)     ${`${secs(a.cpuMs)} / ${secs(b.cpuMs)}`.padStart(12)}   (PostgreSQL's own CPU comes on top of both)`,
      `      peak RSS during (b)                ${mb(b.peakRss).padStart(12)}   goal ≤ 512 MB at 10 M lines  ${verdict(b.peakRss <= 512 * 1024 * 1024)}`,
      `  (c) ingest --full, all ${String(c.tables).padEnd(2)} tables      ${fmt(c.rows).padStart(12)} rows  ${secs(c.ms).padStart(9)}  ${fmt((c.rows * 1000) / c.ms).padStart(10)} rows/s`,
      `  (d) incremental, nothing changed       ${secs(d).padStart(12)}   goal ≤ 1 s  ${verdict(d <= 1000)}`,
      `  (e) incremental after UPDATE of 1 %    ${secs(e.ms).padStart(12)}   ${fmt(e.updated)} lines updated, ${fmt(e.read)} read; ` +
        `${(share * 100).toFixed(1)} % of (c), goal ≤ 5 %  ${verdict(share <= 0.05)}`,
    ];
    console.log(lines.join('\n'));
  } finally {
    warehouse?.close();
    releaseFolderLock(dataDir);
    fs.rmSync(dataDir, { recursive: true, force: true });
    await ops.close();
    await target.drop();
  }
}

await main();

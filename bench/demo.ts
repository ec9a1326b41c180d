/**
 * Demo-load benchmark: `npx tsx bench/demo.ts [--orders N] [--pg URL | --embedded]`.
 * Loads N orders into a fresh database (a PostgreSQL database created and dropped here, or a
 * PGlite folder in a temp dir) and prints lines/s plus, as a ratio, the load rate against a raw
 * COPY of the same number of synthetic rows into unlogged, index-free tables of the same shape
 * (orders, order_lines, stock_movements) in the same run — absolute times on a shared machine
 * are noise, the ratio is the figure to watch.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { DEFAULT_DEMO_ORDERS, DEMO_COLUMNS, loadDemo, type DemoTable } from '../db/demo/index.ts';
import { openEmbedded } from '../db/embedded.ts';
import { migrateToLatest } from '../db/migrate.ts';
import type { OperationalDb } from '../db/operational.ts';
import { openPostgres } from '../db/postgres.ts';

const BIG_TABLES = [
  'orders',
  'order_lines',
  'stock_movements',
] as const satisfies readonly DemoTable[];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const orders = Number(arg('orders') ?? DEFAULT_DEMO_ORDERS);
const embedded = process.argv.includes('--embedded');
const adminUrl = arg('pg') ?? 'postgres://postgres@127.0.0.1:5432/postgres';
if (!Number.isInteger(orders) || orders < 1) throw new Error('--orders must be a positive integer');

const seconds = (t0: number) => (performance.now() - t0) / 1000;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Cheap synthetic CSV for `table`: valid values, counters only, ~the same width as the demo's. */
function* syntheticRows(table: (typeof BIG_TABLES)[number], count: number): Generator<string> {
  let buf = '';
  for (let i = 1; i <= count; i++) {
    if (table === 'orders') {
      buf += `${i},SO-${i},${(i % 500) + 1},${(i % 12) + 1},1,delivered,123.45,0.00,0.00,123.45,demo,2025-01-02T10:11:12Z,2025-01-02T10:20:00Z,,2025-01-03T10:00:00Z,2025-01-05T10:00:00Z,,,2025-02-01T10:00:00Z,2025-01-02T10:11:12Z\n`;
    } else if (table === 'order_lines') {
      buf += `${i},${Math.ceil(i / 3)},${(i % 3) + 1},${(i % 200) + 1},7,12.9900,0.0000,90.93,8.1000,0\n`;
    } else {
      buf += `${i},${(i % 200) + 1},${(i % 2) + 1},shipment,-7,0,order,${Math.ceil(i / 3)},,2025-01-03T10:00:00Z\n`;
    }
    if (buf.length >= 2 * 1024 * 1024) {
      yield buf;
      buf = '';
    }
  }
  if (buf) yield buf;
}

async function rawCopy(ops: OperationalDb, counts: Record<string, number>): Promise<number> {
  for (const table of BIG_TABLES) {
    await sql`CREATE UNLOGGED TABLE ${sql.table(`bench_raw_${table}`)} (LIKE ${sql.table(table)} INCLUDING DEFAULTS)`.execute(
      ops.db,
    );
  }
  const t0 = performance.now();
  for (const table of BIG_TABLES) {
    await ops.copyFromCsv(
      `bench_raw_${table}`,
      DEMO_COLUMNS[table],
      syntheticRows(table, counts[table] ?? 0),
    );
  }
  return seconds(t0);
}

async function main(): Promise<void> {
  let ops: OperationalDb;
  let cleanup: () => Promise<void>;
  if (embedded) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-demo-'));
    ops = await openEmbedded(dir);
    cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
  } else {
    const name = `bench_demo_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    ops = await openPostgres(url.toString());
    cleanup = async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    };
  }
  try {
    await migrateToLatest(ops.db);
    console.log(`demo load: ${fmt(orders)} orders into ${ops.description}`);
    let lastPrint = 0;
    const t0 = performance.now();
    const summary = await loadDemo(ops, {
      orders,
      seed: 42,
      endDate: new Date('2025-06-30T00:00:00Z'),
      onProgress: (p) => {
        if (p.phase !== 'orders' || performance.now() - lastPrint < 2000) return;
        lastPrint = performance.now();
        console.log(`  orders ${fmt(p.done)} / ${fmt(p.total)} (${seconds(t0).toFixed(1)} s)`);
      },
    });
    const demoSec = seconds(t0);
    const rows = summary.orders + summary.orderLines + summary.movements;
    const rawSec = await rawCopy(ops, {
      orders: summary.orders,
      order_lines: summary.orderLines,
      stock_movements: summary.movements,
    });
    console.log(
      `demo:     ${demoSec.toFixed(2)} s  ${fmt(summary.orderLines)} lines  ${fmt(summary.orderLines / demoSec)} lines/s  ` +
        `(${fmt(summary.orders)} orders, ${fmt(summary.movements)} movements, all tables)`,
    );
    console.log(
      `raw COPY: ${rawSec.toFixed(2)} s  same ${fmt(rows)} rows of orders/lines/movements into unlogged tables, no indexes`,
    );
    console.log(`ratio:    demo load rate = ${(rawSec / demoSec).toFixed(2)} × raw COPY rate`);
  } finally {
    await ops.close();
    await cleanup();
  }
}

await main();

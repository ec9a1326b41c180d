/**
 * The setup the warehouse benchmarks share: the demo (db/demo, seed 42, ending today unless told)
 * loaded into a PostgreSQL database created for the run, copied into a temp DuckDB file with
 * runIngest, with progress on stderr (a 1 M-line demo takes minutes to load). `dispose()` drops
 * both. The segmentation tests use it too, with a fixed end day.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig, type Config } from '../config.ts';
import { loadDemo } from '../db/demo/index.ts';
import { releaseFolderLock } from '../db/folder-lock.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { openPostgres } from '../db/postgres.ts';
import type { OperationalDb } from '../db/operational.ts';
import { runIngest } from '../ingest/run.ts';
import { createTestDatabase } from '../test/support/postgres.ts';
import { openWarehouse, type Warehouse } from '../warehouse/duckdb.ts';

/** Whole numbers with thousands separators, for the printed figures. */
export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
/** Milliseconds as seconds with two places. */
export const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** `--name value` from the command line as a positive integer, else `fallback`. */
export function intArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
}

/** What a benchmark gets: the loaded database, the ingested warehouse and how long each took. */
export interface DemoWarehouse {
  ops: OperationalDb;
  config: Config;
  warehouse: Warehouse;
  demo: Awaited<ReturnType<typeof loadDemo>>;
  loadMs: number;
  ingestMs: number;
  rowsIngested: number;
  dispose(): Promise<void>;
}

/** What a caller may fix beyond the size: the seed (default 42) and the as-of day (default today). */
export interface DemoWarehouseOptions {
  seed?: number;
  /** A fixed end makes the data, and so every figure computed from it, the same on every day. */
  endDate?: Date;
}

/** Load `orders` demo orders into a new database and ingest them into a new warehouse file. */
export async function demoWarehouse(
  name: string,
  orders: number,
  options: DemoWarehouseOptions = {},
): Promise<DemoWarehouse> {
  const target = await createTestDatabase(`salesops_bench_${name}`);
  const ops = await openPostgres(target.url);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `salesops-${name}-bench-`));
  const config = loadConfig({ SALESOPS_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  let warehouse: Warehouse | undefined;
  const dispose = async () => {
    warehouse?.close();
    releaseFolderLock(dataDir);
    fs.rmSync(dataDir, { recursive: true, force: true });
    await ops.close();
    await target.drop();
  };
  try {
    await migrateToLatest(ops.db);
    console.error(`loading the demo, ${fmt(orders)} orders, into ${ops.description}`);
    let t0 = performance.now();
    let lastPrint = t0;
    const demo = await loadDemo(ops, {
      orders,
      seed: options.seed ?? 42,
      endDate: options.endDate,
      onProgress: (p) => {
        if (p.phase !== 'orders' || performance.now() - lastPrint < 10_000) return;
        lastPrint = performance.now();
        console.error(`  orders ${fmt(p.done)} / ${fmt(p.total)} (${secs(lastPrint - t0)})`);
      },
    });
    const loadMs = performance.now() - t0;
    warehouse = await openWarehouse(config, 'bench');
    t0 = performance.now();
    const ingest = await runIngest(ops, warehouse, { tempDir: config.ingestTempDir, full: true });
    const ingestMs = performance.now() - t0;
    const rowsIngested = ingest.tables.reduce((n, t) => n + t.rowsRead, 0);
    return { ops, config, warehouse, demo, loadMs, ingestMs, rowsIngested, dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}

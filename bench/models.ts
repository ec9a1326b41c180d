/**
 * bench/models.ts — what the model runner costs over the SQL it runs.
 *
 * Generates a warehouse with N order lines (default 1 M) straight in DuckDB (range() and hash(),
 * deterministic), then times in one process, alternating and keeping the best of each:
 *   (a) baseline: every model's compiled SQL as CREATE OR REPLACE VIEW/TABLE, then every test's
 *       compiled SQL as SELECT count(*), one after another on one connection;
 *   (b) `models build --full-refresh` through the runner (staging tables, tests, swaps, meta);
 *   (c) `models run --full-refresh` against the baseline without tests.
 * and prints the ratios (goal b/a ≤ 1.10), plus an incremental build as a figure.
 *
 *   npx tsx bench/models.ts [--lines 1000000] [--threads 4] [--rounds 2]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DuckDBConnection } from '@duckdb/node-api';
import { loadConfig } from '../config.ts';
import { releaseFolderLock } from '../db/folder-lock.ts';
import { compileModel, compileTests } from '../models/engine/compile.ts';
import { loadProject, relationOf, type Project } from '../models/engine/project.ts';
import { runProject } from '../models/engine/runner.ts';
import { createRawTables } from '../test/support/warehouse-fixtures.ts';
import { openWarehouse, type Warehouse } from '../warehouse/duckdb.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const LINES = arg('lines', 1_000_000);
const THREADS = arg('threads', 4);
const ROUNDS = arg('rounds', 2);
const VARS = { timezone: 'UTC', as_of: new Date().toISOString().slice(0, 10) };

/** hash(i, salt) mod n as SQL: deterministic pseudo-random integers in [0, n). */
const rnd = (i: string, salt: number, n: number) => `CAST(hash(${i}, ${salt}) % ${n} AS BIGINT)`;

async function generate(c: DuckDBConnection, lines: number): Promise<void> {
  const orders = Math.ceil(lines / 4);
  const customers = Math.max(100, Math.round(orders / 12));
  const products = 2000;
  await createRawTables(c);
  await c.run(`
    INSERT INTO raw.teams (id, name) SELECT range, 'Team ' || range FROM range(1, 11);
    INSERT INTO raw.sales_reps (id, code, name, team_id)
      SELECT range, 'R' || range, 'Rep ' || range, 1 + range % 10 FROM range(1, 101);
    INSERT INTO raw.customers (id, code, name, country, owner_rep_id)
      SELECT range, 'C' || range, 'Customer ' || range,
             ['FR','DE','ES','IT','NL','PL'][1 + ${rnd('range', 1, 6)}], 1 + ${rnd('range', 2, 100)}
      FROM range(1, ${customers + 1});
    INSERT INTO raw.product_categories (id, name, parent_id)
      SELECT range, 'Category ' || range, CASE WHEN range > 5 THEN 1 + range % 5 END FROM range(1, 21);
    INSERT INTO raw.products (id, sku, name, category_id, list_price, cost)
      SELECT range, 'SKU' || range, 'Product ' || range, 1 + ${rnd('range', 3, 20)},
             (1 + ${rnd('range', 4, 50000)}) / 100, (1 + ${rnd('range', 4, 50000)}) / 160
      FROM range(1, ${products + 1});
    INSERT INTO raw.warehouses (id, code, name) SELECT range, 'WH' || range, 'W' || range FROM range(1, 6);
    INSERT INTO raw.orders (id, number, customer_id, rep_id, warehouse_id, status, ordered_at)
      SELECT range, 'SO' || range, 1 + ${rnd('range', 5, customers)},
             CASE WHEN ${rnd('range', 6, 50)} = 0 THEN NULL ELSE 1 + ${rnd('range', 7, 100)} END,
             1 + ${rnd('range', 8, 5)},
             CASE WHEN ${rnd('range', 9, 100)} < 3 THEN 'draft' WHEN ${rnd('range', 9, 100)} < 5 THEN 'pending_approval'
                  WHEN ${rnd('range', 9, 100)} < 8 THEN 'cancelled' WHEN ${rnd('range', 9, 100)} < 10 THEN 'returned'
                  WHEN ${rnd('range', 9, 100)} < 40 THEN 'confirmed' WHEN ${rnd('range', 9, 100)} < 70 THEN 'shipped'
                  ELSE 'delivered' END,
             now() - to_minutes(CAST(${rnd('range', 10, 730 * 24 * 60)} AS BIGINT))
      FROM range(1, ${orders + 1});
    INSERT INTO raw.order_lines (id, order_id, line_no, product_id, quantity, unit_price, discount,
                                 unit_cost, returned_quantity)
      SELECT range, 1 + (range - 1) // 4, 1 + (range - 1) % 4, 1 + ${rnd('range', 11, products)},
             1 + ${rnd('range', 12, 10)}, (1 + ${rnd('range', 13, 50000)}) / 100,
             [0, 0, 0, 0.05, 0.1][1 + ${rnd('range', 14, 5)}],
             CASE WHEN ${rnd('range', 15, 20)} = 0 THEN NULL ELSE (1 + ${rnd('range', 13, 50000)}) / 160 END,
             CASE WHEN ${rnd('range', 16, 50)} = 0 THEN 1 ELSE 0 END
      FROM range(1, ${lines + 1});
    INSERT INTO raw.stock_levels (product_id, warehouse_id, on_hand, reserved)
      SELECT p.range, w.range, 50 + ${rnd('p.range * 7 + w.range', 17, 500)}, ${rnd('p.range + w.range', 18, 50)}
      FROM range(1, ${products + 1}) p, range(1, 6) w;
    INSERT INTO raw.reorder_rules (id, product_id, warehouse_id, reorder_point, reorder_quantity)
      SELECT range, range, 1, 100, 200 FROM range(1, ${products + 1});
    INSERT INTO raw.stock_movements (id, product_id, warehouse_id, movement_type, on_hand_delta, occurred_at)
      SELECT range, 1 + ${rnd('range', 19, products)}, 1 + ${rnd('range', 20, 5)},
             CASE WHEN ${rnd('range', 21, 4)} = 0 THEN 'receipt' ELSE 'shipment' END,
             CASE WHEN ${rnd('range', 21, 4)} = 0 THEN 50 ELSE -1 - ${rnd('range', 22, 5)} END,
             now() - to_minutes(CAST(${rnd('range', 23, 365 * 24 * 60)} AS BIGINT))
      FROM range(1, ${Math.round(lines / 2) + 1});
    INSERT INTO raw.opportunities (id, customer_id, owner_rep_id, stage, expected_value, probability,
                                   expected_close_date, created_at, closed_at, lost_reason)
      SELECT range, 1 + ${rnd('range', 24, customers)}, 1 + ${rnd('range', 25, 100)},
             ['lead','qualified','proposal','negotiation','won','lost'][1 + ${rnd('range', 26, 6)}],
             ${rnd('range', 27, 100000)}, 0.25, current_date + CAST(${rnd('range', 28, 180)} AS INTEGER),
             now() - INTERVAL 400 DAY + to_days(CAST(${rnd('range', 29, 300)} AS INTEGER)),
             now() - to_days(CAST(${rnd('range', 30, 90)} AS INTEGER)), 'price'
      FROM range(1, ${Math.round(orders / 5) + 1});
    INSERT INTO raw.activities (id, owner_rep_id, done_at)
      SELECT range, 1 + ${rnd('range', 31, 100)}, now() - to_days(CAST(${rnd('range', 32, 365)} AS INTEGER))
      FROM range(1, ${Math.round(orders / 2) + 1});
    INSERT INTO raw.quotas (id, rep_id, period_type, period_start, amount)
      SELECT r.range * 100 + m.range, r.range, 'month',
             CAST(date_trunc('month', current_date) - to_months(CAST(m.range AS INTEGER)) AS DATE), 50000
      FROM range(1, 101) r, range(0, 24) m;
    CHECKPOINT;`);
}

/** The compiled SQL of every model (and its tests) run straight, in build order. */
async function baseline(w: Warehouse, project: Project, tests: boolean): Promise<number> {
  const c = await w.connect();
  try {
    const t0 = performance.now();
    for (const name of project.dag.order) {
      const m = project.models.get(name)!;
      await c.run(`CREATE SCHEMA IF NOT EXISTS "${m.schema}"`);
      const sql = compileModel(project, m, { vars: VARS });
      const kind = m.materialized === 'view' ? 'VIEW' : 'TABLE';
      await c.run(`DROP ${kind === 'VIEW' ? 'TABLE' : 'VIEW'} IF EXISTS ${relationOf(m)}`);
      await c.run(`CREATE OR REPLACE ${kind} ${relationOf(m)} AS ${sql}`);
      if (!tests) continue;
      for (const t of compileTests(project, m, relationOf(m), { vars: VARS })) {
        await c.run(`SELECT count(*) FROM (${t.sql}) AS failing`);
      }
    }
    return performance.now() - t0;
  } finally {
    c.closeSync();
  }
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'salesops-bench-models-'));
  const w = await openWarehouse(loadConfig({ SALESOPS_DATA_DIR: dir }), 'bench');
  try {
    const project = loadProject();
    const c = await w.connect();
    const genMs = await timed(() => generate(c, LINES));
    c.closeSync();
    console.log(
      `generated ${LINES.toLocaleString('en')} order lines in ${(genMs / 1000).toFixed(1)}s`,
    );
    console.log(
      `${project.models.size} models, ${os.availableParallelism()} cores, runner threads ${THREADS}`,
    );

    const build = (threads: number, command: 'build' | 'run' = 'build') =>
      timed(async () => {
        const r = await runProject(w, project, { command, fullRefresh: true, threads, vars: VARS });
        if (r.status !== 'success') {
          const bad = r.models.filter((m) => m.status !== 'success').map((m) => m.error);
          throw new Error(`build failed: ${bad.join('; ')}`);
        }
      });
    await build(THREADS); // warm-up: first creation of every relation and of meta
    const best = {
      base: Infinity,
      baseNoTests: Infinity,
      build: Infinity,
      build1: Infinity,
      run: Infinity,
    };
    for (let round = 0; round < ROUNDS; round++) {
      best.base = Math.min(best.base, await baseline(w, project, true));
      best.build = Math.min(best.build, await build(THREADS));
      best.build1 = Math.min(best.build1, await build(1));
      best.baseNoTests = Math.min(best.baseNoTests, await baseline(w, project, false));
      best.run = Math.min(best.run, await build(THREADS, 'run'));
    }
    const incremental = await timed(() =>
      runProject(w, project, { command: 'build', threads: THREADS, vars: VARS }),
    );
    const s = (ms: number) => `${(ms / 1000).toFixed(2)}s`;
    console.log(`baseline SQL, models + tests   ${s(best.base)}`);
    console.log(
      `models build --full-refresh     ${s(best.build)}  ratio ${(best.build / best.base).toFixed(3)} (goal ≤ 1.10)`,
    );
    console.log(
      `  same, --threads 1             ${s(best.build1)}  ratio ${(best.build1 / best.base).toFixed(3)}`,
    );
    console.log(`baseline SQL, models only       ${s(best.baseNoTests)}`);
    console.log(
      `models run --full-refresh       ${s(best.run)}  ratio ${(best.run / best.baseNoTests).toFixed(3)}`,
    );
    console.log(`models build (incremental)      ${s(incremental)}`);
  } finally {
    w.close();
    releaseFolderLock(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();

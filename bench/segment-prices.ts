/**
 * bench/segment-prices.ts — what the price analysis (segment/price-*.ts) costs on the demo.
 *
 * Loads the demo (bench/demo-warehouse.ts, seed 42, ending 2026-07-01 like the other segmentation
 * benchmark), builds the models, and with `--copies K` replaces core.fct_order_lines and
 * core.fct_orders by K copies of themselves (new order ids; same times, products and prices) to
 * reach sizes the PostgreSQL load would take an hour for: the same shape, K× the orders (the fits
 * come out the same; only the time is of interest). Then, in rounds (every other one in reverse
 * order), times:
 *   (a) baseline: one pass over the order lines per product (count of lines, sum of units) —
 *       the least any analysis of demand per product has to read;
 *   (b) readPriceSuggestions: the whole run (periods, market, every fit and suggestion);
 *   (c) readProductPriceSuggestion: one product (its category is read and fitted too).
 * Prints the best and median of each, and the median within-round ratios b/a and c/a.
 *
 *   npx tsx bench/segment-prices.ts [--orders 20000] [--copies 1] [--rounds 5]
 * 100,000 customers' worth of orders (the demo has one customer per 40 orders above 20,000):
 * --orders 200000 --copies 20.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { loadProject } from '../models/engine/project.ts';
import { runProject } from '../models/engine/runner.ts';
import { readPriceSuggestions, readProductPriceSuggestion } from '../segment/price-suggestions.ts';
import type { Warehouse } from '../warehouse/duckdb.ts';
import { demoWarehouse, fmt, intArg } from './demo-warehouse.ts';

const ORDERS = intArg('orders', 20_000);
const COPIES = intArg('copies', 1);
const ROUNDS = intArg('rounds', 5);
const END = new Date('2026-07-01T00:00:00Z');

const BASELINE_SQL = `
SELECT product_id, count(*) AS lines, sum(quantity) AS units
FROM core.fct_order_lines WHERE is_revenue GROUP BY product_id`;

/**
 * core.fct_order_lines and core.fct_orders × `copies`: copy k shifts the order and line ids past
 * the copies before it. Returns the number of order lines.
 */
async function multiplyOrders(w: Warehouse, copies: number): Promise<number> {
  const c = await w.connect();
  try {
    await c.run(`CREATE OR REPLACE TABLE core.fct_order_lines AS
      WITH span AS (SELECT max(order_id) + 1 AS o, max(order_line_id) + 1 AS l FROM core.fct_order_lines)
      SELECT t.* REPLACE (t.order_id + r.k * span.o AS order_id, t.order_line_id + r.k * span.l AS order_line_id)
      FROM core.fct_order_lines AS t, span, range(${copies}) AS r(k)`);
    await c.run(`CREATE OR REPLACE TABLE core.fct_orders AS
      WITH span AS (SELECT max(order_id) + 1 AS o FROM core.fct_orders)
      SELECT t.* REPLACE (t.order_id + r.k * span.o AS order_id)
      FROM core.fct_orders AS t, span, range(${copies}) AS r(k)`);
    const n = await c.runAndReadAll('SELECT count(*) FROM core.fct_order_lines');
    return Number(n.getRows()[0]![0]);
  } finally {
    c.closeSync();
  }
}

/** Milliseconds `work` takes on a connection of its own. */
async function timed(
  w: Warehouse,
  work: (c: DuckDBConnection) => Promise<unknown>,
): Promise<number> {
  const c = await w.connect();
  try {
    const t0 = performance.now();
    await work(c);
    return performance.now() - t0;
  } finally {
    c.closeSync();
  }
}

/** Milliseconds, whole. */
const ms = (x: number) => `${fmt(x)} ms`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const env = await demoWarehouse('segment_prices', ORDERS, { endDate: END });
  try {
    const built = await runProject(env.warehouse, loadProject(), {
      command: 'build',
      vars: { timezone: 'UTC', as_of: '2026-06-30' },
    });
    const failed = built.models.filter((m) => m.status !== 'success');
    if (failed.length) throw new Error(`models failed: ${failed.map((m) => m.model).join(', ')}`);
    const lines = COPIES > 1 ? await multiplyOrders(env.warehouse, COPIES) : env.demo.orderLines;
    const orders = ORDERS * COPIES;
    console.log(
      `demo ${fmt(ORDERS)} orders × ${COPIES} = ${fmt(orders)} orders (${fmt(orders / 40)} customers' worth), ${fmt(lines)} order lines; ${os.availableParallelism()} cores, load average ${os.loadavg()[0]!.toFixed(1)}`,
    );
    const productId = 1; // the demo's first product
    const a: number[] = [];
    const b: number[] = [];
    const p: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const steps = [
        async () => a.push(await timed(env.warehouse, (c) => c.runAndReadAll(BASELINE_SQL))),
        async () => b.push(await timed(env.warehouse, (c) => readPriceSuggestions(c))),
        async () =>
          p.push(await timed(env.warehouse, (c) => readProductPriceSuggestion(c, productId))),
      ];
      if (round % 2) steps.reverse();
      for (const step of steps) await step();
    }
    const ratio = (xs: number[]) => median(xs.map((x, i) => x / a[i]!)).toFixed(2);
    console.log(
      `(a) baseline scan per product   best ${ms(Math.min(...a))}  median ${ms(median(a))}`,
    );
    console.log(
      `(b) readPriceSuggestions        best ${ms(Math.min(...b))}  median ${ms(median(b))}  b/a ${ratio(b)}`,
    );
    console.log(
      `(c) readProductPriceSuggestion  best ${ms(Math.min(...p))}  median ${ms(median(p))}  c/a ${ratio(p)}`,
    );
  } finally {
    await env.dispose();
  }
}

await main();

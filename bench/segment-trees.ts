/**
 * bench/segment-trees.ts — what the two customer trees (segment/churn.ts and
 * segment/category-propensity.ts) cost at 500 and at 100,000 customers.
 *
 * The demo makes ~40 orders per customer over two years; loading 4 M demo orders through
 * PostgreSQL would take most of an hour, so this writes a synthetic warehouse of the same shape
 * (bench/synthetic-customers.ts) into a temp DuckDB file. Then, in rounds, it times:
 *   (a)  baseline: one raw DuckDB scan of the order lines (count and spend per customer);
 *   (b)  the churn tree end to end: features as of the cutoff and as of the latest day (SQL),
 *        labels, binning, ml-cart, holdout metrics, scoring every current customer;
 *   (c)  the propensity tree, the same;
 *   (d)  both trees from one load of the features (segment/customer-trees.ts), as a job runs them;
 *   (e)  of (b), the part after the SQL: binning, ml-cart, metrics and scoring only.
 * Absolute times on this shared machine are noise; b/a and c/a are the comparable figures.
 *
 *   npx tsx bench/segment-trees.ts [--customers 100000] [--rounds 3]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { runCategoryPropensityTree } from '../segment/category-propensity.ts';
import { runChurnTree } from '../segment/churn.ts';
import { fitCustomerTree, loadCustomerData } from '../segment/customer-tree.ts';
import { runCustomerTrees } from '../segment/customer-trees.ts';
import { fmt, intArg, secs } from './demo-warehouse.ts';
import { writeSyntheticCustomers } from './synthetic-customers.ts';

const CUSTOMERS = intArg('customers', 100_000);
const ROUNDS = intArg('rounds', 3);
const END = '2026-06-30';

/** (a) One raw scan: order count and spend per customer. */
async function baseline(c: DuckDBConnection): Promise<number> {
  const t0 = performance.now();
  await c.runAndReadAll(`SELECT customer_id, count(DISTINCT order_id), sum(line_gross)
    FROM core.fct_order_lines GROUP BY customer_id`);
  return performance.now() - t0;
}

/** (e) Of the churn tree, the part after the SQL: binning, ml-cart, metrics, scoring. */
async function inMemoryChurn(c: DuckDBConnection): Promise<number> {
  const data = await loadCustomerData(c, {});
  const labels = Uint8Array.from(data.atCutoff.columns[0] as Float64Array, (r) => (r > 60 ? 1 : 0));
  const t0 = performance.now();
  fitCustomerTree(data, {
    classes: ['stays', 'churns'],
    outcome: 'churn',
    labels,
    useFeature: (name) => !name.startsWith('days_since_category_'),
  });
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'salesops-segment-trees-'));
  try {
    const instance = await DuckDBInstance.create(path.join(dir, 'w.duckdb'));
    const c = await instance.connect();
    let t0 = performance.now();
    await writeSyntheticCustomers(c, CUSTOMERS, END);
    const counts = (
      await c.runAndReadAll(`SELECT (SELECT count(*) FROM core.fct_orders)::DOUBLE,
        (SELECT count(*) FROM core.fct_order_lines)::DOUBLE`)
    ).getRows()[0] as number[];
    console.log(
      `${fmt(CUSTOMERS)} customers, ${fmt(counts[0]!)} orders, ${fmt(counts[1]!)} lines ` +
        `written in ${secs(performance.now() - t0)} (${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(1)})`,
    );
    const rows: Record<'a' | 'b' | 'c' | 'd' | 'e', number[]> = {
      a: [],
      b: [],
      c: [],
      d: [],
      e: [],
    };
    for (let r = 0; r < ROUNDS; r++) {
      rows.a.push(await baseline(c));
      t0 = performance.now();
      const churn = await runChurnTree(c);
      rows.b.push(performance.now() - t0);
      t0 = performance.now();
      const propensity = await runCategoryPropensityTree(c);
      rows.c.push(performance.now() - t0);
      t0 = performance.now();
      await runCustomerTrees(c);
      rows.d.push(performance.now() - t0);
      rows.e.push(await inMemoryChurn(c));
      if (r === 0) {
        for (const [name, res] of [
          ['churn', churn],
          ['propensity', propensity],
        ] as const) {
          const m = res.metrics;
          console.log(
            `${name}: ${fmt(res.training.rows)} training rows (ml-cart fitted ${fmt(res.training.fittedRows)}), ` +
              `${fmt(res.scores.length)} scored; holdout accuracy ${m.accuracy?.toFixed(3)} vs baseline ${m.baseline?.toFixed(3)}`,
          );
        }
      }
    }
    const line = (label: string, xs: number[], base?: number[]) =>
      console.log(
        `${label.padEnd(44)} median ${secs(median(xs)).padStart(8)}  best ${secs(Math.min(...xs)).padStart(8)}` +
          (base ? `  ratio to (a) ${median(xs.map((x, i) => x / base[i]!)).toFixed(1)}` : ''),
      );
    line('(a) baseline: raw scan of the order lines', rows.a);
    line('(b) churn tree, end to end', rows.b, rows.a);
    line('(c) propensity tree, end to end', rows.c, rows.a);
    line('(d) both trees, one load', rows.d, rows.a);
    line('(e) churn without the SQL (fit, measure, score)', rows.e);
    c.closeSync();
    instance.closeSync();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();

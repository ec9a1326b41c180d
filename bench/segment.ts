/**
 * bench/segment.ts — what the customer segmentation (segment/) costs at 500 and at 100,000
 * customers, against a raw DuckDB scan of the same order lines, and whether issue #16's goal
 * holds: clustering plus both trees ≤ 5 s at 100,000 customers on this machine.
 *
 * For each size it writes a synthetic warehouse of the demo's shape into a temp DuckDB file
 * (bench/synthetic-customers.ts: ~40 orders per customer over two years, 3.5 lines per order,
 * the demo segments' behaviour, 200 products with their price history, mart_customer_value
 * built by its model) — loading 4 M demo orders through PostgreSQL would take most of an hour.
 * Then, in rounds, on one connection, it times:
 *   (a) baseline: one raw scan of the order lines (order count and spend per customer);
 *   (b) the clustering, runCustomerClusters: read mart_customer_value, standardise, choose k
 *       (2..8 by silhouette on 2,000 sampled customers, ten restarts each), refine, label;
 *   (c) both trees, runCustomerTrees: the features as of the cutoff and of the latest day (one
 *       SQL statement), then churn and propensity: labels, bins, ml-cart, holdout, scores;
 *   (d) (b) then (c), one after the other as a run does them: the goal;
 *   (e) the price suggestions of every product, readPriceSuggestions;
 *   (f) one product's, readProductPriceSuggestion (its category is read and fitted too);
 * and, in the same rounds, (b), (c) and (e) taken apart the way those functions do their work:
 * what is reading (SQL and turning its result into arrays) and what is fitting.
 *
 * Each line gives the median and the best of the rounds, the median within-round ratio to (a)
 * (the comparable figure: on this shared machine the other work moves absolute times between
 * rounds more than within one), and the median CPU time (user + system of this process,
 * DuckDB's threads included), which moves less with the other work than wall time does.
 *
 *   npx tsx bench/segment.ts [--customers 500,100000] [--rounds 3]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';
import { categoryPropensityTree } from '../segment/category-propensity.ts';
import { churnTree } from '../segment/churn.ts';
import { clusterFeatures, runCustomerClusters } from '../segment/clusters.ts';
import { readCustomerFeatures, standardiseFeatures } from '../segment/customer-features.ts';
import { loadCustomerData } from '../segment/customer-tree.ts';
import { runCustomerTrees } from '../segment/customer-trees.ts';
import { readPricePeriods } from '../segment/price-periods.ts';
import { readPriceSuggestions, readProductPriceSuggestion } from '../segment/price-suggestions.ts';
import { fmt, intArg } from './demo-warehouse.ts';
import { writeSyntheticCustomers } from './synthetic-customers.ts';

const ROUNDS = intArg('rounds', 3);
const END = '2026-06-30';
/** Issue #16: clustering plus trees at 100,000 customers. */
const GOAL_MS = 5_000;

/** `--customers 500,100000`: the sizes, in order. */
function sizes(): number[] {
  const i = process.argv.indexOf('--customers');
  const text = i > 0 ? (process.argv[i + 1] ?? '') : '500,100000';
  const out = text.split(',').map(Number);
  if (!out.every((n) => Number.isInteger(n) && n >= 10))
    throw new Error('--customers must be whole numbers ≥ 10, separated by commas');
  return out;
}

/** A duration as people read it: "84 ms", "1.23 s". */
const dur = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`);
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Wall and CPU milliseconds per round of one line. */
interface Timings {
  wall: number[];
  cpu: number[];
}

/** The lines of the table, in print order: key, label, indent. */
const LINES = [
  ['a', '(a) baseline: raw scan of the order lines', 0],
  ['b', '(b) clustering (runCustomerClusters)', 0],
  ['b1', 'read mart_customer_value', 1],
  ['b2', 'standardise', 1],
  ['b3', 'choose k, fit, refine, label', 1],
  ['c', '(c) both trees (runCustomerTrees)', 0],
  ['c1', 'features as of cutoff and latest day (SQL)', 1],
  ['c2', 'churn: labels, bins, ml-cart, holdout, scores', 1],
  ['c3', 'propensity: the same', 1],
  ['d', '(d) clustering + trees, one after the other', 0],
  ['e', '(e) price suggestions, every product', 0],
  ['e1', 'list-price periods (SQL)', 1],
  ['f', '(f) price suggestion, one product', 0],
] as const;
type Key = (typeof LINES)[number][0];

/** (a): order count and spend per customer, the least any per-customer analysis reads. */
const BASELINE_SQL = `SELECT customer_id, count(DISTINCT order_id), sum(line_gross)
  FROM core.fct_order_lines GROUP BY customer_id`;

async function measureSize(customers: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'salesops-segment-bench-'));
  const instance = await DuckDBInstance.create(path.join(dir, 'w.duckdb'));
  const c = await instance.connect();
  try {
    const t0 = performance.now();
    await writeSyntheticCustomers(c, customers, END);
    const written = performance.now() - t0;
    const [orders, lines] = (
      await c.runAndReadAll(`SELECT (SELECT count(*) FROM core.fct_orders)::DOUBLE,
        (SELECT count(*) FROM core.fct_order_lines)::DOUBLE`)
    ).getRows()[0] as number[];
    const loadBefore = os.loadavg()[0]!;
    console.log(
      `\n${fmt(customers)} customers, ${fmt(orders!)} orders, ${fmt(lines!)} order lines, 200 products ` +
        `(written in ${dur(written)}); ${os.availableParallelism()} CPUs, load average ${loadBefore.toFixed(1)}`,
    );
    const runs = {} as Record<Key, Timings>;
    for (const [key] of LINES) runs[key] = { wall: [], cpu: [] };
    const time = async <T>(key: Key, work: () => Promise<T> | T): Promise<T> => {
      const c0 = process.cpuUsage();
      const start = performance.now();
      const result = await work();
      runs[key].wall.push(performance.now() - start);
      const cpu = process.cpuUsage(c0);
      runs[key].cpu.push((cpu.user + cpu.system) / 1000);
      return result;
    };
    const productId = 1;
    for (let round = 0; round < ROUNDS; round++) {
      await time('a', () => c.runAndReadAll(BASELINE_SQL));
      const clusters = await time('b', () => runCustomerClusters(c));
      const trees = await time('c', () => runCustomerTrees(c));
      await time('d', async () => {
        await runCustomerClusters(c);
        await runCustomerTrees(c);
      });
      const prices = await time('e', () => readPriceSuggestions(c));
      await time('f', () => readProductPriceSuggestion(c, productId));
      // The parts, as runCustomerClusters, runCustomerTrees and readPriceSuggestions do them.
      const rows = await time('b1', () => readCustomerFeatures(c));
      const matrix = await time('b2', () => standardiseFeatures(rows));
      await time('b3', () => clusterFeatures(matrix));
      const data = await time('c1', () => loadCustomerData(c, {}));
      await time('c2', () => churnTree(c, data));
      await time('c3', () => categoryPropensityTree(c, data, undefined));
      await time('e1', () => readPricePeriods(c));
      if (round === 0) {
        const { run } = clusters;
        console.log(
          `clusters: k = ${run.k} (${run.labels.join(' / ')}), sizes ${run.sizes.join(', ')}`,
        );
        for (const [name, tree] of [
          ['churn', trees.churn],
          ['propensity', trees.propensity],
        ] as const) {
          const m = tree.metrics;
          console.log(
            `${name}: ${fmt(tree.training.rows)} training customers (ml-cart fitted ` +
              `${fmt(tree.training.fittedRows)}), ${fmt(tree.scores.length)} scored; holdout ` +
              `accuracy ${m.accuracy?.toFixed(3)} vs baseline ${m.baseline?.toFixed(3)}`,
          );
        }
        const suggested = prices.filter((p) => p.level === 'product' && p.suggestion).length;
        console.log(`prices: ${fmt(prices.length)} items, ${suggested} with a suggested price`);
      }
    }
    const a = runs.a.wall;
    console.log(
      `${''.padEnd(52)}${'median'.padStart(9)}${'best'.padStart(9)}  ×(a)${'CPU'.padStart(9)}`,
    );
    for (const [key, label, indent] of LINES) {
      const { wall, cpu } = runs[key];
      const ratio = median(wall.map((w, r) => w / a[r]!));
      console.log(
        `${(' '.repeat(indent * 6) + label).padEnd(52)}${dur(median(wall)).padStart(9)}` +
          `${dur(Math.min(...wall)).padStart(9)}${ratio.toFixed(1).padStart(6)}` +
          `${dur(median(cpu)).padStart(9)}`,
      );
    }
    const load = `load average ${loadBefore.toFixed(1)} before the rounds, ${os.loadavg()[0]!.toFixed(1)} after`;
    if (customers >= 100_000) {
      const met = median(runs.d.wall) <= GOAL_MS ? 'met' : 'NOT met';
      console.log(`goal, (d) ≤ ${dur(GOAL_MS)} at 100,000 customers: ${met}; ${load}`);
    } else console.log(load);
  } finally {
    c.closeSync();
    instance.closeSync();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

for (const customers of sizes()) await measureSize(customers);

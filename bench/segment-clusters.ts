/**
 * bench/segment-clusters.ts — what the customer clustering (segment/clusters.ts) costs, at the
 * demo's ~500 customers and at 100,000.
 *
 * Loads the demo (bench/demo-warehouse.ts, default size, fixed end day), builds
 * mart_customer_value and times `runCustomerClusters` on it (read + k = 2..8 by silhouette with
 * 10 restarts each + refinement + labels). For 100,000 customers — the demo would need ~4 M
 * orders — it draws them from the demo's own customers: each synthetic customer is a demo
 * customer with its recency, orders, revenue and tenure scaled by independent log-normal
 * jitter (σ 0.15), written to a `marts.mart_customer_value` of the same columns in an in-memory
 * DuckDB. The same clustering then runs on it, end to end (what runCustomerClusters does, timed
 * by phase).
 *
 * CPU time (user + system of this process, DuckDB's threads included) is printed beside the wall
 * time: on the shared machine it moves less with the other work than the wall time does.
 *
 * The baseline, timed in the same process on the same points: one plain kMeansCluster run of
 * simple-statistics on all customers at the chosen k (no restarts, no choice of k) — what a
 * naive implementation would cost. The ratio is what choosing k and restarting adds.
 *
 *   npx tsx bench/segment-clusters.ts [--customers 100000] [--rounds 3]
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { performance } from 'node:perf_hooks';
import { kMeansCluster } from 'simple-statistics';
import { DEFAULT_DEMO_ORDERS } from '../db/demo/index.ts';
import { loadProject } from '../models/engine/project.ts';
import { runProject } from '../models/engine/runner.ts';
import { clusterFeatures } from '../segment/clusters.ts';
import {
  readCustomerFeatures,
  standardiseFeatures,
  type CustomerFeatureRow,
} from '../segment/customer-features.ts';
import { mulberry32 } from '../segment/random.ts';
import { demoWarehouse, fmt, intArg } from './demo-warehouse.ts';

const CUSTOMERS = intArg('customers', 100_000);
const ROUNDS = intArg('rounds', 3);

/** Milliseconds: whole, with one decimal under 10. */
const ms = (t: number) => `${t < 10 ? t.toFixed(1) : Math.round(t)} ms`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** `n` customers drawn from `base` with log-normal jitter (Box–Muller on a seeded source). */
function synthetic(base: readonly CustomerFeatureRow[], n: number): CustomerFeatureRow[] {
  const random = mulberry32(7);
  const jitter = () =>
    Math.exp(0.15 * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
  return Array.from({ length: n }, (_, i) => {
    const b = base[Math.floor(random() * base.length)]!;
    const tenure = Math.max(1, Math.round(b.tenure * jitter()));
    return {
      customerId: i + 1,
      customerCode: `S${String(i + 1).padStart(6, '0')}`,
      recency: Math.min(tenure, Math.max(1, Math.round(b.recency * jitter()))),
      frequency: Math.max(1, Math.round(b.frequency * jitter())),
      monetary: Math.round(b.monetary * jitter() * 100) / 100,
      tenure,
    };
  });
}

/** A mart_customer_value with the columns the clustering reads, holding `rows`. */
async function syntheticWarehouse(rows: readonly CustomerFeatureRow[]): Promise<DuckDBConnection> {
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  await conn.run(`CREATE TABLE drawn (id BIGINT, code VARCHAR, orders BIGINT, revenue DOUBLE,
    tenure INTEGER, recency INTEGER)`);
  const appender = await conn.createAppender('drawn');
  for (const r of rows) {
    appender.appendBigInt(BigInt(r.customerId));
    appender.appendVarchar(r.customerCode);
    appender.appendBigInt(BigInt(r.frequency));
    appender.appendDouble(r.monetary);
    appender.appendInteger(r.tenure);
    appender.appendInteger(r.recency);
    appender.endRow();
  }
  appender.closeSync();
  await conn.run(`CREATE SCHEMA marts;
    CREATE TABLE marts.mart_customer_value AS
    SELECT id AS customer_id, code AS customer_code, DATE '2026-06-30' - recency + 1 AS last_order_date,
           orders, CAST(revenue AS DECIMAL(38, 8)) AS revenue, tenure AS tenure_days,
           recency AS days_since_last_order
    FROM drawn ORDER BY id`);
  return conn;
}

async function measure(label: string, conn: DuckDBConnection): Promise<void> {
  const phases = { read: [] as number[], standardise: [] as number[], cluster: [] as number[] };
  const totals: number[] = [];
  const cpu: number[] = [];
  let k = 0;
  let points: number[][] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const rows = await readCustomerFeatures(conn);
    const t1 = performance.now();
    const matrix = standardiseFeatures(rows);
    const t2 = performance.now();
    const result = clusterFeatures(matrix);
    const t3 = performance.now();
    phases.read.push(t1 - t0);
    phases.standardise.push(t2 - t1);
    phases.cluster.push(t3 - t2);
    totals.push(t3 - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    ({ k } = result.run);
    points = matrix.points;
    if (round === 0) {
      console.log(
        `${label}: ${fmt(rows.length)} customers, k = ${k} (${result.run.labels.join(' / ')}), ` +
          `sizes ${result.run.sizes.join(', ')}`,
      );
    }
  }
  const naive: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const t0 = performance.now();
    kMeansCluster(points, k, mulberry32(round));
    naive.push(performance.now() - t0);
  }
  const total = median(totals);
  console.log(
    `  features → clusters ${ms(total)}: read ${ms(median(phases.read))}, standardise ` +
      `${ms(median(phases.standardise))}, choose k + fit + refine + labels ${ms(median(phases.cluster))}` +
      `; CPU ${ms(median(cpu))} (medians of ${ROUNDS})\n  one plain kMeansCluster at k = ${k}: ${ms(median(naive))}; ` +
      `ratio ${(total / median(naive)).toFixed(1)}×`,
  );
}

const demo = await demoWarehouse('segment_clusters', DEFAULT_DEMO_ORDERS, {
  endDate: new Date('2026-07-01T00:00:00Z'),
});
try {
  const build = await runProject(demo.warehouse, loadProject(), {
    command: 'build',
    select: ['+mart_customer_value'],
    vars: { timezone: 'UTC', as_of: '2026-06-30' },
  });
  if (build.status !== 'success') throw new Error('the models did not build');
  const conn = await demo.warehouse.connect();
  const base = await readCustomerFeatures(conn);
  await measure('demo', conn);
  conn.closeSync();
  const big = await syntheticWarehouse(synthetic(base, CUSTOMERS));
  await measure(`synthetic, drawn from the demo's customers`, big);
  big.closeSync();
} finally {
  await demo.dispose();
}

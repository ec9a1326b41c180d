/**
 * The customer trees on the demo: the default demo (20,000 orders, seed 42, ending 2026-07-01:
 * its last orders are on 2026-06-30) loaded into PostgreSQL, ingested and built into a warehouse
 * (bench/demo-warehouse.ts, the path the benchmarks use), then the churn and the
 * category-propensity tree run on it. Both must beat the majority baseline on their holdout,
 * every current customer gets a probability, docs/segmentation.md shows the figures and the
 * churn rules they give, and the features as of the cutoff must not move when anything after the
 * cutoff changes.
 */
import fs from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AppError } from '../api/errors.ts';
import { demoWarehouse, type DemoWarehouse } from '../bench/demo-warehouse.ts';
import { DEFAULT_DEMO_ORDERS } from '../db/demo/index.ts';
import { loadProject } from '../models/engine/project.ts';
import { runProject } from '../models/engine/runner.ts';
import type { DecisionTree, TreeLeaf } from '../segment/cart.ts';
import { treeNodes } from '../segment/cart.ts';
import { runCategoryPropensityTree } from '../segment/category-propensity.ts';
import { runChurnTree } from '../segment/churn.ts';
import {
  customerFeaturesAsOf,
  customerFeaturesAsOfDays,
  type CategoryRef,
  type CustomerFeatureOptions,
} from '../segment/as-of-features.ts';
import { runCustomerTrees, type CustomerTreesResult } from '../segment/customer-trees.ts';

const END = new Date('2026-07-01T00:00:00Z'); // orders end the day before
const LATEST = '2026-06-30';
const CUTOFF = '2026-04-01'; // LATEST − 90 days

/** A holdout figure as docs/segmentation.md prints it: 3 places, or a dash for none. */
const figure = (x: number | null): string => (x === null ? '–' : x.toFixed(3));

/** The table of both trees' holdout metrics in "On the demo" of docs/segmentation.md. */
function metricsTable({ churn, propensity }: CustomerTreesResult): string {
  const row = (name: string, m: CustomerTreesResult['churn']['metrics']) =>
    `| ${name} | **${figure(m.accuracy)}** | ${figure(m.precision)} | ${figure(m.recall)} | ${figure(m.baseline)} |`;
  const percent = (x: number | null) => `${Math.round((x ?? 0) * 100)} %`;
  return [
    '| tree | accuracy | precision | recall | baseline |',
    '|---|---|---|---|---|',
    row(`churn (${percent(churn.metrics.positiveRate)} churned)`, churn.metrics),
    row(
      `buys ${propensity.category.name} (${percent(propensity.metrics.positiveRate)} bought)`,
      propensity.metrics,
    ),
  ].join('\n');
}

/** Every leaf of a tree by its number. */
function leavesOf(tree: DecisionTree): Map<number, TreeLeaf> {
  const out = new Map<number, TreeLeaf>();
  for (const n of treeNodes(tree.root)) if (n.kind === 'leaf') out.set(n.leaf, n);
  return out;
}

describe.skipIf(!inject('pgAvailable'))('customer trees on the demo warehouse', () => {
  let env: DemoWarehouse;
  let conn: DuckDBConnection;
  let trees: CustomerTreesResult;

  /** The first root category that is not in the churn tree's mix. */
  async function outsideTheMix(): Promise<CategoryRef> {
    const mix = trees.churn.mixCategories.map((c) => c.id);
    const row = (
      await conn.runAndReadAll(
        `SELECT CAST(category_id AS DOUBLE) AS id, category_name AS name
         FROM staging.stg_product_categories
         WHERE parent_category_id IS NULL AND category_id NOT IN (${mix.join(', ')})
         ORDER BY category_id LIMIT 1`,
      )
    ).getRowObjectsJS()[0]!;
    return { id: row.id as number, name: row.name as string };
  }

  async function build(): Promise<void> {
    const run = await runProject(env.warehouse, loadProject(), {
      command: 'build',
      vars: { timezone: env.config.timezone, as_of: LATEST },
    });
    expect(run.models.filter((m) => m.status !== 'success').map((m) => m.error)).toEqual([]);
  }

  beforeAll(async () => {
    env = await demoWarehouse('segment_trees', DEFAULT_DEMO_ORDERS, { endDate: END });
    await build();
    conn = await env.warehouse.connect();
    trees = await runCustomerTrees(conn);
  }, 240_000);
  afterAll(async () => {
    conn?.closeSync();
    await env?.dispose();
  });

  it('learns churn from the 90 days after latest − 90, and beats the majority baseline', () => {
    const { churn } = trees;
    expect(churn.cutoff).toBe(CUTOFF);
    expect(churn.scoredAsOf).toBe(LATEST);
    const m = churn.metrics;
    expect(m.n).toBe(churn.training.holdoutRows);
    const all = churn.training.rows + churn.training.holdoutRows;
    expect(m.n / all).toBeGreaterThan(0.15);
    expect(m.n / all).toBeLessThan(0.25);
    expect(m.accuracy).toBeGreaterThan(m.baseline as number);
    expect(churn.training.fittedRows).toBe(churn.training.rows); // no sample at this size
  });

  it('gives every current customer a churn probability: their leaf’s share of churners', async () => {
    const { churn } = trees;
    const current = (
      await conn.runAndReadAll(
        `SELECT CAST(c.customer_id AS DOUBLE) AS id FROM core.dim_customers AS c
         WHERE NOT c.is_deleted AND EXISTS (SELECT 1 FROM core.fct_orders AS o
           WHERE o.customer_id = c.customer_id AND o.is_revenue)
         ORDER BY 1`,
      )
    ).getColumnsJS()[0] as number[];
    expect(current.length).toBeGreaterThan(400);
    expect(churn.scores.map((s) => s.customerId)).toEqual(current);
    const leaves = leavesOf(churn.tree);
    for (const s of churn.scores) {
      expect(s.churnProbability).toBeGreaterThanOrEqual(0);
      expect(s.churnProbability).toBeLessThanOrEqual(1);
      expect(s.churnProbability).toBe(leaves.get(s.leaf)!.probabilities[1]);
    }
    // Some customers are at risk and some are not: the tree separates them.
    const p = churn.scores.map((s) => s.churnProbability);
    expect(Math.min(...p)).toBeLessThan(0.2);
    expect(Math.max(...p)).toBeGreaterThan(0.8);
  });

  it('reads the tree as rules, one per leaf, and as JSON', () => {
    const { churn } = trees;
    expect(churn.rules.length).toBe(churn.tree.leaves);
    const n = churn.rules.map((rule) => {
      expect(rule).toMatch(/^IF .+ THEN churn [01]\.\d\d \(n=\d+\)$/);
      return Number(/\(n=(\d+)\)$/.exec(rule)![1]);
    });
    expect(n.reduce((s, x) => s + x, 0)).toBe(churn.training.rows);
    expect(churn.rules.some((r) => r.includes('recency'))).toBe(true);
    expect(JSON.parse(JSON.stringify(churn))).toEqual(churn);
    for (const f of churn.features)
      expect(Object.keys(f).sort()).toEqual(['decimals', 'edges', 'hasMissing', 'label', 'name']);
    expect(churn.features.map((f) => f.name)).toEqual([
      'recency_days',
      'orders',
      'orders_90d',
      'revenue',
      'tenure_days',
      'average_order_value',
      'days_between_orders',
      'activities_90d',
      'categories',
      ...churn.mixCategories.map((c) => `share_category_${c.id}`),
    ]);
  });

  it('gives the same result every time, alone or beside the other tree', async () => {
    expect(await runChurnTree(conn)).toEqual(trees.churn);
    expect(await runCategoryPropensityTree(conn)).toEqual(trees.propensity);
  });

  it('predicts who buys the top category in the next 90 days better than its baseline', async () => {
    const { propensity } = trees;
    expect(propensity.category).toEqual(propensity.mixCategories[0]);
    const m = propensity.metrics;
    expect(m.accuracy).toBeGreaterThan(m.baseline as number);
    expect(propensity.features.map((f) => f.name)).toContain(
      `days_since_category_${propensity.category.id}`,
    );
    for (const rule of propensity.rules)
      expect(rule).toMatch(new RegExp(`THEN buys ${propensity.category.name} [01]\\.\\d\\d`));
    for (const s of propensity.scores) expect(s.probability).toBeGreaterThanOrEqual(0);
    for (const s of propensity.scores) expect(s.probability).toBeLessThanOrEqual(1);
    // Any root category by name; one outside the mix brings its own share and days-since.
    const outside = await outsideTheMix();
    const other = await runCategoryPropensityTree(conn, { category: outside.name.toUpperCase() });
    expect(other.category).toEqual(outside);
    expect(other.features.map((f) => f.name)).toEqual(
      expect.arrayContaining([
        `share_category_${other.category.id}`,
        `days_since_category_${other.category.id}`,
      ]),
    );
    expect(other.metrics.accuracy).toBeGreaterThan(other.metrics.baseline as number);
    const unknown = await runCategoryPropensityTree(conn, { category: 'Spaceships' }).catch(
      (e) => e,
    );
    expect(unknown).toBeInstanceOf(AppError);
    expect(unknown.status).toBe(422);
    const late = await runChurnTree(conn, { cutoff: '2026-05-01' }).catch((e) => e);
    expect(late.status).toBe(422); // its 90 days would end after the data
  });

  it('gives the figures and the churn rules docs/segmentation.md shows', () => {
    const doc = fs.readFileSync(new URL('../docs/segmentation.md', import.meta.url), 'utf8');
    const { churn } = trees;
    const blocks = [
      `cutoff ${churn.cutoff}, ${churn.training.rows} training and ${churn.training.holdoutRows} ` +
        `holdout customers, ${churn.scores.length} current customers scored.`,
      metricsTable(trees),
      ['```', ...churn.rules, '```'].join('\n'),
    ];
    for (const block of blocks)
      expect.soft(doc, `docs/segmentation.md lacks:\n${block}`).toContain(block);
  });

  it('builds both days in one statement exactly as one day at a time', async () => {
    const focusCategory = await outsideTheMix();
    const [atCutoff, now] = await customerFeaturesAsOfDays(conn, {
      days: [CUTOFF, LATEST],
      mix: { top: 4 },
      focusCategory,
    });
    const alone = await customerFeaturesAsOf(conn, {
      asOf: CUTOFF,
      mix: { top: 4 },
      focusCategory,
    });
    expect(atCutoff).toEqual(alone);
    // The later day keeps the first day's mix, as the trees score with it.
    expect(now).toEqual(
      await customerFeaturesAsOf(conn, {
        asOf: LATEST,
        mix: { categories: alone.mixCategories },
        focusCategory,
      }),
    );
    expect(now!.customerIds.length).toBeGreaterThan(atCutoff!.customerIds.length);
  });

  it('builds no feature from anything after the cutoff', async () => {
    const options: CustomerFeatureOptions = {
      asOf: CUTOFF,
      mix: { top: 4 },
      focusCategory: await outsideTheMix(),
    };
    const before = await customerFeaturesAsOf(conn, options);
    const dayAfter = (days: number) => `TIMESTAMPTZ '${CUTOFF} 10:00:00+00' + INTERVAL ${days} DAY`;
    const raw = await env.warehouse.connect();
    try {
      // Everything ordered after the cutoff goes, with its lines.
      await raw.run(`DELETE FROM raw.order_lines WHERE order_id IN
        (SELECT id FROM raw.orders WHERE CAST(ordered_at AS DATE) > DATE '${CUTOFF}')`);
      await raw.run(`DELETE FROM raw.orders WHERE CAST(ordered_at AS DATE) > DATE '${CUTOFF}'`);
      // Orders from before it that were cancelled, or wholly returned, after it.
      const picks = (
        await raw.runAndReadAll(
          `SELECT id FROM raw.orders WHERE status = 'delivered'
           AND CAST(ordered_at AS DATE) <= DATE '${CUTOFF}' - 20 AND id % 37 = 0
         ORDER BY id LIMIT 40`,
        )
      ).getColumnsJS()[0] as bigint[];
      const [cancelled, returned] = [picks.slice(0, 20).join(', '), picks.slice(20).join(', ')];
      await raw.run(
        `UPDATE raw.orders SET status = 'cancelled', cancelled_at = ${dayAfter(3)} WHERE id IN (${cancelled})`,
      );
      await raw.run(
        `UPDATE raw.orders SET status = 'returned', returned_at = ${dayAfter(5)} WHERE id IN (${returned})`,
      );
      await raw.run(
        `UPDATE raw.order_lines SET returned_quantity = quantity WHERE order_id IN (${returned})`,
      );
      // Activities done after it: gone, and new ones for every customer.
      await raw.run(`DELETE FROM raw.activities WHERE CAST(done_at AS DATE) > DATE '${CUTOFF}'`);
      await raw.run(`INSERT INTO raw.activities (id, activity_type, subject, customer_id, owner_rep_id,
          due_at, done_at, created_at, updated_at)
        SELECT 10000000 + id, 'call', 'after the cutoff', id, owner_rep_id,
          ${dayAfter(1)}, ${dayAfter(1)}, ${dayAfter(1)}, ${dayAfter(1)}
        FROM raw.customers`);
      await build();
      const after = await customerFeaturesAsOf(conn, options);
      expect(after).toEqual(before);
      expect(before.features.length).toBe(9 + 4 + 4 + 2); // base, 4 shares, 4 days-since, focus

      // The check can fail: one more unit on a line of an order from before the cutoff shows.
      const [line] = (
        await raw.runAndReadAll(
          `SELECT l.id FROM raw.order_lines AS l JOIN raw.orders AS o ON o.id = l.order_id
         WHERE o.status = 'delivered' AND CAST(o.ordered_at AS DATE) <= DATE '${CUTOFF}' - 30
         ORDER BY l.id LIMIT 1`,
        )
      ).getColumnsJS()[0] as bigint[];
      await raw.run(`UPDATE raw.order_lines SET quantity = quantity + 1 WHERE id = ${line}`);
      await build();
      const changed = await customerFeaturesAsOf(conn, options);
      expect(changed.customerIds).toEqual(before.customerIds);
      const revenue = before.features.findIndex((f) => f.name === 'revenue');
      const differing = before.customerIds.filter(
        (_, i) => changed.columns[revenue]![i] !== before.columns[revenue]![i],
      );
      expect(differing.length).toBe(1);
    } finally {
      raw.closeSync();
    }
  }, 120_000);
});

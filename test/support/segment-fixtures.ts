/**
 * Two segmentation runs by hand over the sales fixture (warehouse-fixtures.ts), written as the
 * segment job writes them (segment/store-warehouse.ts writeWarehouseRun), for the dashboard tests
 * that need the segmentation panels drawn: the fixture's three ordering customers are too few for
 * runSegmentation's clustering and trees, which test/dashboards-segment.test.ts runs on the demo.
 *
 * Both runs copy the RFM segments from marts.mart_customer_rfm (as of 2026-03-06); in the second,
 * Beta (101) has moved to at_risk. Clusters: Alfa and Gamma "high value", Beta "low value". The
 * churn tree has two leaves: Alfa and Gamma at 0.20, Beta at 0.75. Prices: the Tools category at
 * −1.8 and the Hammer (12.50, cost 4) suggested at 10.00, the Drill with no suggestion.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  writeWarehouseRun,
  type StoredPriceRow,
  type WarehouseRun,
} from '../../segment/store-warehouse.ts';
import type { Warehouse } from '../../warehouse/duckdb.ts';
import { withConnection } from './raw-tables.ts';

const RULES = ['IF recency ≤ 30 THEN churn 0.20 (n=2)', 'IF recency > 30 THEN churn 0.75 (n=1)'];

const HAMMER_ITEM = {
  level: 'product',
  productId: 500,
  sku: 'SKU-HAM',
  name: 'Hammer',
  categoryId: 2,
  category: 'Tools',
  listPrice: '12.50',
  cost: '4.00',
  periods: 4,
  elasticity: -2.5,
  r2: 0.9,
  categoryElasticity: -1.8,
  unitsPerDay: 1,
  suggestion: {
    price: '10.00',
    optimalPrice: '6.67',
    clamped: 'floor',
    priceChange: -0.2,
    expectedChange: { units: 0.7469, revenue: 0.3975, margin: 0.2331 },
    per30Days: {
      current: { units: 30, revenue: '375.00', margin: '255.00' },
      suggested: { units: 52.41, revenue: '524.10', margin: '314.46' },
    },
  },
  reason: null,
};

const PRICES: StoredPriceRow[] = [
  {
    level: 'category',
    category: 'Tools',
    productId: null,
    sku: null,
    productName: null,
    elasticity: -1.8,
    r2: 0.6,
    periods: 6,
    listPrice: null,
    suggestedPrice: null,
    priceChange: null,
    unitsChange: null,
    revenueChange: null,
    marginChange: null,
    reason: null,
    item: {
      level: 'category',
      categoryId: 2,
      category: 'Tools',
      elasticity: -1.8,
      r2: 0.6,
      products: 1,
      periods: 6,
    },
  },
  {
    level: 'product',
    category: 'Tools',
    productId: 500,
    sku: 'SKU-HAM',
    productName: 'Hammer',
    elasticity: -2.5,
    r2: 0.9,
    periods: 4,
    listPrice: '12.50',
    suggestedPrice: '10.00',
    priceChange: -0.2,
    unitsChange: 0.7469,
    revenueChange: 0.3975,
    marginChange: 0.2331,
    reason: null,
    item: HAMMER_ITEM,
  },
  {
    level: 'product',
    category: 'Hardware',
    productId: 501,
    sku: 'SKU-DRL',
    productName: 'Drill',
    elasticity: null,
    r2: null,
    periods: 1,
    listPrice: '100.00',
    suggestedPrice: null,
    priceChange: null,
    unitsChange: null,
    revenueChange: null,
    marginChange: null,
    reason: 'not enough history',
    item: { level: 'product', productId: 501, categoryId: 1, reason: 'not enough history' },
  },
];

function fixtureRun(runId: number): WarehouseRun {
  const day = Date.UTC(2026, 2, 6 + runId, 2, 30);
  return {
    runId,
    startedAt: new Date(day),
    finishedAt: new Date(day + 2000),
    asOf: '2026-03-06',
    clusters: [
      { customerId: 100, cluster: 0, label: 'high value' },
      { customerId: 101, cluster: 1, label: 'low value' },
      { customerId: 102, cluster: 0, label: 'high value' },
    ],
    churn: [
      { customerId: 100, probability: 0.2, leaf: 1 },
      { customerId: 101, probability: 0.75, leaf: 2 },
      { customerId: 102, probability: 0.2, leaf: 1 },
    ],
    churnRules: RULES,
    prices: PRICES,
    records: [
      { kind: 'clusters', metrics: { k: 2, inertia: 1.5, sizes: [2, 1] } },
      {
        kind: 'churn',
        cutoff: '2025-12-06',
        horizonDays: 90,
        metrics: { n: 10, accuracy: 0.8, precision: 0.75, recall: 0.6, baseline: 0.6 },
        rules: RULES,
      },
      { kind: 'prices', metrics: { categories: 1, products: 2, suggested: 1 } },
    ],
  };
}

/** Write runs 1 and 2 (Beta moved to at_risk in 2) on `conn`. */
export async function writeFixtureRunsOn(conn: DuckDBConnection): Promise<void> {
  await writeWarehouseRun(conn, fixtureRun(1));
  await writeWarehouseRun(conn, fixtureRun(2));
  await conn.run(
    `UPDATE ml.mart_customer_segments SET segment = 'at_risk' WHERE run_id = 2 AND customer_id = 101`,
  );
}

/** Write the two runs into `w` (after buildFixtureMarts). */
export function writeFixtureRuns(w: Warehouse): Promise<void> {
  return withConnection(w, writeFixtureRunsOn);
}

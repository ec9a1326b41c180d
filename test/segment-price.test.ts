/**
 * Price suggestions on the demo: 60,000 orders (seed 42, ending 2026-07-01, as
 * test/segment-clusters.test.ts has it) loaded into PostgreSQL, ingested and built like the
 * benchmarks do (bench/demo-warehouse.ts), then read through segment/. The demo's demand answers
 * each product's list price with its category's DEMO_PRICE_ELASTICITY, so the fits have a truth
 * to meet:
 *  - the pooled per-category fits recover it within ±0.3;
 *  - the per-product fits land within ±0.5 of it for at least 60 % of products, and at least
 *    twice as often as the literal fit (units per day, not market-adjusted, unweighted).
 * Not the default 20,000 orders: there a category's pooled fit is off by ~0.13 (root mean
 * square), so ±0.3 is two of those and one category in eight misses on some seeds (seed 7:
 * Furniture −0.44 for −0.8); at 60,000 the worst category is 0.11–0.17 off on seeds 42, 1 and 7
 * (docs/segmentation.md, "Price suggestions", gives every figure).
 * The table and rates in the document are computed here and must be in it exactly as the code
 * gives them.
 */
import fs from 'node:fs';
import { median } from 'simple-statistics';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { demoWarehouse, type DemoWarehouse } from '../bench/demo-warehouse.ts';
import { DEMO_PRICE_ELASTICITY } from '../db/demo/index.ts';
import { loadProject } from '../models/engine/project.ts';
import { runProject } from '../models/engine/runner.ts';
import { DEFAULT_DEMAND_MODEL, type DemandModel } from '../segment/price-demand.ts';
import { fitCategories, fitProduct, type CategoryFit } from '../segment/price-fit.ts';
import { readPricePeriods, type ProductPriceHistory } from '../segment/price-periods.ts';
import {
  readPriceSuggestions,
  readProductPriceSuggestion,
  type ProductPriceItem,
  MAX_OWN_DEVIATION,
} from '../segment/price-suggestions.ts';
import { rowsOf, withConnection } from './support/raw-tables.ts';

const END = new Date('2026-07-01T00:00:00Z');
const ORDERS = 60_000;

/** How many products' own fits land within ±0.5 of their category's true elasticity. */
function productHits(
  products: readonly ProductPriceHistory[],
  model: DemandModel,
): { hits: number; fitted: number; rate: number } {
  let hits = 0;
  let fitted = 0;
  for (const p of products) {
    const fit = fitProduct(p, model);
    if (fit.elasticity === null) continue;
    fitted++;
    if (Math.abs(fit.elasticity - DEMO_PRICE_ELASTICITY[p.category!]!) <= 0.5) hits++;
  }
  return { hits, fitted, rate: hits / fitted };
}

/** The docs' table: each category's true elasticity beside its pooled fit. */
function categoryTable(fits: readonly CategoryFit[]): string {
  return [
    '| category | true elasticity | pooled fit | r² | products | periods |',
    '|---|---:|---:|---:|---:|---:|',
    ...fits.map(
      (f) =>
        `| ${f.category} | ${DEMO_PRICE_ELASTICITY[f.category!]!.toFixed(1)} | ${f.elasticity!.toFixed(2)} | ${f.r2!.toFixed(2)} | ${f.products} | ${f.periods} |`,
    ),
  ].join('\n');
}

const percent = (x: number) => `${Math.round(x * 100)} %`;

describe.skipIf(!inject('pgAvailable'))('price suggestions on the demo', () => {
  let env: DemoWarehouse;
  let products: ProductPriceHistory[];

  beforeAll(async () => {
    env = await demoWarehouse('segment_price', ORDERS, { seed: 42, endDate: END });
    const run = await runProject(env.warehouse, loadProject(), {
      command: 'build',
      vars: { timezone: 'UTC', as_of: '2026-05-31' },
      threads: 1,
    });
    expect(run.models.filter((m) => m.status !== 'success').map((m) => m.error)).toEqual([]);
    products = await withConnection(env.warehouse, (c) => readPricePeriods(c));
  }, 240_000);
  afterAll(async () => {
    await env?.dispose();
  });

  it('reads every product with the demo’s list-price periods, every order counted once', async () => {
    expect(products).toHaveLength(200);
    // 2–4 changes each, so 3–5 periods; every one of them long enough to measure.
    for (const p of products) {
      expect(p.periods.length).toBeGreaterThanOrEqual(3);
      expect(p.periods.length).toBeLessThanOrEqual(5);
      expect(p.periods.every((x) => x.days >= DEFAULT_DEMAND_MODEL.minPeriodDays)).toBe(true);
      expect(p.periods.at(-1)!.listPrice).toBe(p.listPrice);
    }
    const [counts] = await rowsOf(
      env.warehouse,
      `SELECT count(DISTINCT order_id) AS orders, count(*) AS lines, sum(quantity) AS units,
              count(DISTINCT (order_id, product_id)) AS pairs
       FROM core.fct_order_lines WHERE is_revenue`,
    );
    // The periods tile the history: each product's spans hold every order once.
    const sum = (f: (p: ProductPriceHistory) => number) => products.reduce((s, p) => s + f(p), 0);
    expect(sum((p) => p.periods.reduce((s, x) => s + x.lines, 0))).toBe(Number(counts!.lines));
    expect(Number(counts!.pairs)).toBe(Number(counts!.lines)); // no product twice in an order
    expect(sum((p) => p.periods.reduce((s, x) => s + x.units, 0))).toBe(Number(counts!.units));
    for (const p of products)
      expect(p.periods.reduce((s, x) => s + x.marketOrders, 0)).toBe(Number(counts!.orders));
  });

  it('recovers every category’s elasticity within ±0.3 with the pooled fit', () => {
    const fits = fitCategories(products);
    expect(fits).toHaveLength(8);
    const misses = fits
      .map((f) => ({ category: f.category!, truth: DEMO_PRICE_ELASTICITY[f.category!]!, fit: f }))
      .filter(({ truth, fit }) => !(Math.abs(fit.elasticity! - truth) <= 0.3));
    expect(misses).toEqual([]);
    for (const f of fits) expect(f.products).toBe(25);
  });

  it('lands the per-product fits within ±0.5 for at least 60 % of products', () => {
    const own = productHits(products, DEFAULT_DEMAND_MODEL);
    expect(own.rate).toBeGreaterThanOrEqual(0.6);
    const literal = productHits(products, {
      ...DEFAULT_DEMAND_MODEL,
      measure: 'units',
      marketAdjusted: false,
      weighted: false,
    });
    expect(own.rate).toBeGreaterThanOrEqual(2 * literal.rate);
    // No category is pulled off as a whole: the middle product fit sits near the truth.
    for (const category of Object.keys(DEMO_PRICE_ELASTICITY)) {
      const list = products.filter((p) => p.category === category);
      expect(list).toHaveLength(25);
      const fitted = list.map((p) => fitProduct(p).elasticity!);
      expect(Math.abs(median(fitted) - DEMO_PRICE_ELASTICITY[category]!), category).toBeLessThan(
        0.5,
      );
    }
  });

  it('gives the figures docs/segmentation.md shows', () => {
    const doc = fs.readFileSync(new URL('../docs/segmentation.md', import.meta.url), 'utf8');
    const own = productHits(products, DEFAULT_DEMAND_MODEL);
    const literal = productHits(products, {
      ...DEFAULT_DEMAND_MODEL,
      measure: 'units',
      marketAdjusted: false,
      weighted: false,
    });
    const blocks = [
      categoryTable(fitCategories(products)),
      `Per-product fits within ±0.5 of their category's elasticity: ${own.hits} of ${own.fitted} ` +
        `(${percent(own.rate)}); with the issue's literal fit (units per day, not adjusted for ` +
        `the market, unweighted): ${literal.hits} of ${literal.fitted} (${percent(literal.rate)}).`,
    ];
    for (const block of blocks)
      expect.soft(doc, `docs/segmentation.md lacks:\n${block}`).toContain(block);
  });

  it('lists each category’s fit beside its products, each with a price or a reason', async () => {
    const items = await withConnection(env.warehouse, (c) =>
      readPriceSuggestions(c, { category: 'Paper & Print' }),
    );
    expect(items[0]).toMatchObject({ level: 'category', category: 'Paper & Print', products: 25 });
    const rest = items.slice(1) as ProductPriceItem[];
    expect(rest).toHaveLength(25);
    for (const item of rest) {
      expect(item).toMatchObject({ level: 'product', category: 'Paper & Print' });
      expect(item.categoryElasticity).toBe(items[0]!.elasticity);
      // A product's own fit far from its category's prices it with the category's.
      const far = Math.abs(item.elasticity! - item.categoryElasticity!) > MAX_OWN_DEVIATION;
      const used = far ? item.categoryElasticity! : item.elasticity!;
      expect(item.suggestionBasis).toBe(item.suggestion ? (far ? 'category' : 'product') : null);
      if (item.suggestion) {
        expect(used).toBeLessThan(-1);
        const change = Number(item.suggestion.price) / Number(item.listPrice) - 1;
        expect(Math.abs(change)).toBeLessThanOrEqual(0.2 + 0.005 / Number(item.listPrice));
        expect(item.suggestion.price).toMatch(/^\d+\.\d{2}$/);
      } else {
        expect(item.reason).toBe('inelastic');
        expect(used).toBeGreaterThanOrEqual(-1);
      }
    }
    // One product alone answers what the list says about it.
    const one = await withConnection(env.warehouse, (c) =>
      readProductPriceSuggestion(c, rest[3]!.productId),
    );
    expect(one).toEqual(rest[3]);
    expect(await withConnection(env.warehouse, (c) => readProductPriceSuggestion(c, 9999))).toBe(
      null,
    );
  });
});

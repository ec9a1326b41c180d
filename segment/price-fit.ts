/**
 * Price elasticity of demand, fitted as log(demand) = a + e·log(list price) over list-price
 * periods (price-demand.ts says what "demand" is): per product, and pooled per category with
 * product fixed effects. Pure functions on what price-periods.ts read.
 *
 * The pooled fit demeans log demand and log price within each product and regresses the
 * residuals: the slope is then the within-product elasticity, and the products' different
 * levels (a €900 desk sells less often than a €3 pen, whatever the elasticity) cannot pose as a
 * price effect. simple-statistics' weightedLinearRegression does the fitting (equal weights when
 * the model is unweighted, which is linearRegression).
 */
import { weightedLinearRegression, weightedMean, weightedVariance } from 'simple-statistics';
import {
  DEFAULT_DEMAND_MODEL,
  demandPoints,
  type DemandModel,
  type DemandPoint,
} from './price-demand.ts';
import type { ProductPriceHistory } from './price-periods.ts';

/** When a product gets a fit of its own. */
export interface PriceFitRules {
  /** Usable list-price periods a product needs (the issue: at least 3). */
  minPeriods: number;
  /**
   * Least spread of the list prices, max / min − 1: below it the prices are one price with
   * noise. 5 %: the demo's changes are 6–22 %; a price nudged by 1–2 % moves demand by less than
   * its period-to-period noise (±11 % at 80 lines per period).
   */
  minPriceSpread: number;
}

export const DEFAULT_FIT_RULES: Readonly<PriceFitRules> = Object.freeze({
  minPeriods: 3,
  minPriceSpread: 0.05,
});

/** Why a product has no elasticity of its own. */
export type NoFitReason = 'not enough history' | 'not enough price variation';

/** A product's own fit: the elasticity and r², or why there is none. */
export type ProductFit =
  | { elasticity: number; r2: number; periods: number; reason: null }
  | { elasticity: null; r2: null; periods: number; reason: NoFitReason };

/** A category's pooled fit (null elasticity: no product of it has price variation and sales). */
export interface CategoryFit {
  categoryId: number | null;
  category: string | null;
  elasticity: number | null;
  /** Within-product r²: the share of the demand's variation around each product's mean explained. */
  r2: number | null;
  /** Products and periods that entered the fit. */
  products: number;
  periods: number;
}

/** The weighted slope, intercept and r² of `points` (at least two distinct prices, weight > 0). */
function regress(points: readonly DemandPoint[]): { m: number; b: number; r2: number } {
  const data = points.map((p) => [p.logPrice, p.logDemand]);
  const weights = points.map((p) => p.weight);
  const { m, b } = weightedLinearRegression(data, weights);
  const ys = points.map((p) => p.logDemand);
  const residuals = points.map((p) => p.logDemand - (b + m * p.logPrice));
  const total = weightedVariance(ys, weights);
  // A perfectly flat demand has nothing to explain: r² is 1 if the line is flat too.
  const r2 = total > 0 ? 1 - weightedVariance(residuals, weights) / total : 1;
  return { m, b, r2 };
}

/**
 * Whether `points` can carry a slope under `rules`: prices at least `minPriceSpread` apart
 * (compared on logs, with a hair of tolerance so 10.50 against 10.00 counts as the 5 % it is)
 * and a sale somewhere.
 */
function hasVariation(points: readonly DemandPoint[], rules: PriceFitRules): boolean {
  if (points.length === 0) return false;
  const logs = points.map((p) => p.logPrice);
  const range = Math.max(...logs) - Math.min(...logs);
  return range >= Math.log1p(rules.minPriceSpread) - 1e-12 && points.some((p) => p.weight > 0);
}

/** One product's elasticity from its own periods, or the reason it has none. */
export function fitProduct(
  product: Pick<ProductPriceHistory, 'periods'>,
  model: DemandModel = DEFAULT_DEMAND_MODEL,
  rules: PriceFitRules = DEFAULT_FIT_RULES,
): ProductFit {
  const points = demandPoints(product.periods, model);
  const periods = points.length;
  // A product never ordered in its periods has no history of demand, however long its prices.
  if (periods < rules.minPeriods || points.every((p) => p.weight === 0))
    return { elasticity: null, r2: null, periods, reason: 'not enough history' };
  if (!hasVariation(points, rules))
    return { elasticity: null, r2: null, periods, reason: 'not enough price variation' };
  const { m, r2 } = regress(points);
  return { elasticity: m, r2, periods, reason: null };
}

/** `points` less their weighted means: what is left once the product's own level is taken out. */
function demean(points: readonly DemandPoint[]): DemandPoint[] {
  const weights = points.map((p) => p.weight);
  const x = weightedMean(
    points.map((p) => p.logPrice),
    weights,
  );
  const y = weightedMean(
    points.map((p) => p.logDemand),
    weights,
  );
  return points.map((p) => ({ ...p, logPrice: p.logPrice - x, logDemand: p.logDemand - y }));
}

/**
 * The pooled fit of each category with product fixed effects, in the order categories first
 * appear in `products`. A product enters with two or more usable periods whose prices vary
 * (by `rules.minPriceSpread`) and at least one sale; products without variation would only add
 * noise to r².
 */
export function fitCategories(
  products: readonly ProductPriceHistory[],
  model: DemandModel = DEFAULT_DEMAND_MODEL,
  rules: PriceFitRules = DEFAULT_FIT_RULES,
): CategoryFit[] {
  const groups = new Map<string, { fit: CategoryFit; points: DemandPoint[] }>();
  for (const product of products) {
    const key = `${product.categoryId ?? ''}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        fit: {
          categoryId: product.categoryId,
          category: product.category,
          elasticity: null,
          r2: null,
          products: 0,
          periods: 0,
        },
        points: [],
      };
      groups.set(key, group);
    }
    const points = demandPoints(product.periods, model);
    if (points.length < 2 || !hasVariation(points, rules)) continue;
    group.points.push(...demean(points));
    group.fit.products++;
    group.fit.periods += points.length;
  }
  return [...groups.values()].map(({ fit, points }) => {
    if (fit.products === 0) return fit;
    // Demeaned within products, the line passes through the origin; the intercept is ~0.
    const { m, r2 } = regress(points);
    return { ...fit, elasticity: m, r2 };
  });
}

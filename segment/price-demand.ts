/**
 * From list-price periods to the points a demand curve is fitted through: log list price against
 * log demand, one point per period, with a weight. Pure; the choices are options so
 * docs/segmentation.md can show, on the demo, what each one is worth.
 *
 * The defaults, and why (measured on the 20,000-order demo ending 2026-07-01, seeds 42, 1 and 7:
 * the largest miss of the eight pooled category fits; every figure is in docs/segmentation.md,
 * "Price suggestions"):
 *  - demand is `lines` (how often the product is ordered), not units: units per line are
 *    heavy-tailed (a big-ticket line is 5–10× a normal one) and carry no price signal in the
 *    demo, only noise; counting units the fits missed by 0.51–0.69, counting lines 0.21–0.36.
 *  - `marketAdjusted`: demand is divided by all orders placed over the same span, not by days.
 *    Order volume grows 25 %/year with a December peak and an August dip while list prices mostly
 *    rise, so per-day demand credits price rises with the market's growth: noise-free, on the
 *    demo's own price paths, per-day demand moves a category's elasticity by up to +0.77
 *    (Packaging −2.2 → −1.43 on seed 7), the share of orders by at most 0.14.
 *  - `weighted`: a period counts in proportion to the lines expected in it (the product's lines
 *    × the period's share of the market's orders), because the log of a count of 5 is far
 *    noisier than the log of a count of 500 (Poisson: variance ≈ 1 / count). Unweighted, the
 *    fits missed by 0.34–0.56 and 77–96 products' own fits landed within ±0.5 against 90–109.
 *    The price: best sellers weigh most, and an order holds a product once, so their demand
 *    saturates (the top Paper & Print product is in 18 % of orders) and answers price ~10 % less
 *    than its pick weight (noise-free, the weighted Paper & Print fit is −2.31 for −2.5); with
 *    321,000 orders the weighted fits miss by up to 0.16, unweighted 0.09.
 */
import type { ListPricePeriod } from './price-periods.ts';

/** What the demand curve is fitted on. */
export interface DemandModel {
  /** Order lines of the product (default: how often it is ordered) or units ordered. */
  measure: 'lines' | 'units';
  /** Divide by the market's orders over the same span (default true). */
  marketAdjusted: boolean;
  /** Weight periods by their expected lines (default true); false gives equal weights. */
  weighted: boolean;
  /** Periods shorter than this many days are left out (a price fixed within a day says nothing). */
  minPeriodDays: number;
}

export const DEFAULT_DEMAND_MODEL: Readonly<DemandModel> = Object.freeze({
  measure: 'lines',
  marketAdjusted: true,
  weighted: true,
  minPeriodDays: 14,
});

/** One period as a point of the demand curve. */
export interface DemandPoint {
  logPrice: number;
  logDemand: number;
  weight: number;
}

/**
 * A period without a sale still says something (demand was low at that price): it counts as
 * half a line or unit, the usual continuity correction, rather than being dropped, which would
 * keep only the lucky periods of a rarely ordered product.
 */
const ZERO_COUNT = 0.5;

/**
 * The periods demand can be measured in: at least `model.minPeriodDays` long, with orders
 * placed in the market, at a positive price (a free product has no log price).
 */
export function usablePeriods(
  periods: readonly ListPricePeriod[],
  model: Pick<DemandModel, 'minPeriodDays'>,
): ListPricePeriod[] {
  return periods.filter(
    (p) => p.days >= model.minPeriodDays && p.marketOrders > 0 && Number(p.listPrice) > 0,
  );
}

/**
 * The demand points of one product's usable periods. All weights are 0 when the product was
 * never ordered in them (no fit is possible then).
 */
export function demandPoints(
  periods: readonly ListPricePeriod[],
  model: DemandModel = DEFAULT_DEMAND_MODEL,
): DemandPoint[] {
  const usable = usablePeriods(periods, model);
  const lines = usable.reduce((s, p) => s + p.lines, 0);
  const market = usable.reduce((s, p) => s + p.marketOrders, 0);
  return usable.map((p) => {
    const count = model.measure === 'lines' ? p.lines : p.units;
    const exposure = model.marketAdjusted ? p.marketOrders : p.days;
    return {
      logPrice: Math.log(Number(p.listPrice)),
      logDemand: Math.log(Math.max(count, ZERO_COUNT) / exposure),
      weight: model.weighted ? (lines * p.marketOrders) / market : lines > 0 ? 1 : 0,
    };
  });
}

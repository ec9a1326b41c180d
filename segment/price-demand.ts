/**
 * From list-price periods to the points a demand curve is fitted through: log list price against
 * log demand, one point per period, with a weight. Pure; the choices are options so
 * docs/segmentation.md can show, on the demo, what each one is worth.
 *
 * The defaults, and why (measured on the 20,000-order demo, seeds 42, 1 and 7; the table is in
 * docs/segmentation.md, "Price suggestions"):
 *  - demand is `orders` (how many orders carry the product), not units: units per line are
 *    heavy-tailed (a big-ticket line is 5–10× a normal one) and say nothing about the price, so
 *    counting units multiplied the noise; the pooled category fits missed by up to 0.97 on units
 *    against 0.27–0.68 on orders, unweighted.
 *  - `marketAdjusted`: demand per day is divided by all orders placed per day over the same span.
 *    Order volume grows 25 %/year with a December peak and an August dip while list prices mostly
 *    rise, so raw per-day demand credits price rises with the market's growth: noise-free, on the
 *    demo's own price paths, raw orders per day bias the category elasticities by up to +0.7
 *    (Safety −0.5 → +0.18), the share of orders by at most 0.15.
 *  - `weighted`: a period counts in proportion to the orders expected in it (the product's orders
 *    × the period's share of the market's), because the log of a count of 5 is far noisier than
 *    the log of a count of 500 (Poisson: variance ≈ 1 / count). Unweighted, a rarely ordered
 *    product's short period moved a category's elasticity as much as a best seller's year.
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

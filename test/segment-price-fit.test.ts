/**
 * segment/price-demand.ts and segment/price-fit.ts on hand-made list-price periods: demand built
 * as a known constant-elasticity curve is recovered exactly, the market is divided out, the
 * pooled fit's product fixed effects keep levels from posing as a price effect, and products
 * without enough history or price variation get the reason instead of a number.
 */
import { linearRegression } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DEMAND_MODEL, demandPoints } from '../segment/price-demand.ts';
import { fitCategories, fitProduct } from '../segment/price-fit.ts';
import type { ListPricePeriod, ProductPriceHistory } from '../segment/price-periods.ts';

const DAY = 86_400_000;

/** Periods of `days` each at `prices`, ordered as share × market × (price / first)^e. */
function curve(
  prices: readonly number[],
  market: readonly number[],
  e: number,
  share = 0.05,
  days = 60,
): ListPricePeriod[] {
  return prices.map((p, i) => ({
    listPrice: p.toFixed(4),
    fromMs: i * days * DAY,
    toMs: (i + 1) * days * DAY,
    days,
    lines: share * market[i]! * (p / prices[0]!) ** e,
    units: 0,
    marketOrders: market[i]!,
  }));
}

function product(
  id: number,
  periods: ListPricePeriod[],
  categoryId: number | null = 1,
): ProductPriceHistory {
  const category = categoryId === null ? null : `Category ${categoryId}`;
  const last = periods[periods.length - 1];
  return {
    productId: id,
    sku: `P-${id}`,
    name: `Product ${id}`,
    categoryId,
    category,
    listPrice: last?.listPrice ?? '1.0000',
    cost: '1.0000',
    periods,
  };
}

describe('demand points', () => {
  it('divides by the market and weights each period by its expected lines', () => {
    const periods = curve([10, 12], [1000, 3000], -2);
    // lines 50 and 0.05 × 3000 × 1.2⁻² = 104.1666…: 154.1666… in all; market 4000
    const points = demandPoints(periods);
    expect(points.map((p) => p.logPrice)).toEqual([Math.log(10), Math.log(12)]);
    expect(points[0]!.logDemand).toBeCloseTo(Math.log(0.05), 12);
    expect(points[1]!.logDemand).toBeCloseTo(Math.log(0.05 * 1.2 ** -2), 12);
    expect(points[0]!.weight).toBeCloseTo((154.16666666 * 1000) / 4000, 6);
    expect(points[1]!.weight).toBeCloseTo((154.16666666 * 3000) / 4000, 6);
  });

  it('counts a period without a sale as half a line and leaves out short ones', () => {
    const periods = curve([10, 11, 12], [100, 100, 100], -2);
    periods[1]!.lines = 0;
    periods[2]!.days = 13; // under the 14 days a period needs
    const points = demandPoints(periods);
    expect(points).toHaveLength(2);
    expect(points[1]!.logDemand).toBeCloseTo(Math.log(0.5 / 100), 12);
  });
});

describe('per-product fit', () => {
  // Prices mostly rise while the market grows 60 %: the trap the market adjustment avoids.
  const prices = [10, 11, 12.5, 11.8];
  const market = [1000, 1150, 1400, 1600];

  it('recovers a known elasticity exactly, with r² = 1', () => {
    const fit = fitProduct({ periods: curve(prices, market, -1.8) });
    expect(fit.reason).toBeNull();
    expect(fit.elasticity).toBeCloseTo(-1.8, 10);
    expect(fit.r2).toBeCloseTo(1, 10);
    expect(fit.periods).toBe(4);
  });

  it('credits price rises with the market’s growth when the market is not divided out', () => {
    const periods = curve(prices, market, -1.8);
    const raw = fitProduct({ periods }, { ...DEFAULT_DEMAND_MODEL, marketAdjusted: false });
    expect(raw.elasticity).toBeGreaterThan(-1.8 + 0.5);
  });

  it('needs three usable periods', () => {
    const periods = curve(prices.slice(0, 3), market, -1.8);
    periods[2]!.days = 10;
    expect(fitProduct({ periods })).toEqual({
      elasticity: null,
      r2: null,
      periods: 2,
      reason: 'not enough history',
    });
  });

  it('needs a sale', () => {
    const periods = curve(prices, market, -1.8).map((p) => ({ ...p, lines: 0 }));
    expect(fitProduct({ periods }).reason).toBe('not enough history');
  });

  it('needs prices 5 % apart', () => {
    const close = curve([10, 10.2, 10.4, 10.1], market, -1.8); // 4 % apart
    expect(fitProduct({ periods: close })).toMatchObject({
      elasticity: null,
      reason: 'not enough price variation',
      periods: 4,
    });
    const enough = curve([10, 10.2, 10.5, 10.1], market, -1.8); // 5 %
    expect(fitProduct({ periods: enough }).elasticity).toBeCloseTo(-1.8, 10);
  });
});

describe('pooled per-category fit', () => {
  // A €2 product and a €100 one ordered nearly as often, both with elasticity −1.5.
  const cheap = curve([2, 2.2, 2.4, 2.1], [1000, 1100, 1200, 1300], -1.5, 0.2);
  const dear = curve([100, 110, 90], [1000, 1100, 1200], -1.5, 0.1);

  it('recovers the common elasticity with product fixed effects', () => {
    const [fit] = fitCategories([product(1, cheap), product(2, dear)]);
    expect(fit).toMatchObject({ categoryId: 1, category: 'Category 1', products: 2, periods: 7 });
    expect(fit!.elasticity).toBeCloseTo(-1.5, 10);
    expect(fit!.r2).toBeCloseTo(1, 10);
    // Without them, the products' levels swamp the price changes: demand looks nearly flat.
    const all = [...demandPoints(cheap), ...demandPoints(dear)];
    expect(linearRegression(all.map((p) => [p.logPrice, p.logDemand])).m).toBeGreaterThan(-0.5);
  });

  it('keeps products without price variation out, and names categories with no fit', () => {
    const flat = curve([5, 5, 5], [1000, 1000, 1000], -1.5);
    const fits = fitCategories([
      product(1, cheap),
      product(3, flat),
      product(4, flat, 2),
      product(5, dear, null),
    ]);
    expect(fits.map((f) => [f.categoryId, f.products, f.periods])).toEqual([
      [1, 1, 4],
      [2, 0, 0],
      [null, 1, 3],
    ]);
    expect(fits[1]).toMatchObject({ elasticity: null, r2: null });
    expect(fits[2]!.elasticity).toBeCloseTo(-1.5, 10);
  });
});

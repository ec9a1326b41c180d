/**
 * segment/price-suggest.ts on hand-made numbers: the margin-maximising price cost·e/(1+e), held
 * within ±20 % of today's price both ways, the reasons for no price, and money strings rounded
 * half away from zero to the cent only at the end.
 */
import { describe, expect, it } from 'vitest';
import { suggestPrice, type SuggestionInput } from '../segment/price-suggest.ts';

const input = (over: Partial<SuggestionInput>): SuggestionInput => ({
  listPrice: '18.0000',
  cost: '10.0000',
  elasticity: -2,
  unitsPerDay: 1,
  ...over,
});

describe('price suggestion arithmetic', () => {
  it('suggests cost·e/(1+e) inside the limits, with the expected changes', () => {
    // 10 × −2 / −1 = 20.00, inside [14.40, 21.60]. r = 20/18; units × r^−2 = 0.81;
    // revenue × 0.81 × 20/18 = 0.9; margin 0.81 × (20 − 10) / (18 − 10) = 1.0125.
    expect(suggestPrice(input({}))).toEqual({
      reason: null,
      suggestion: {
        price: '20.00',
        optimalPrice: '20.00',
        clamped: null,
        priceChange: 0.1111,
        expectedChange: { units: -0.19, revenue: -0.1, margin: 0.0125 },
        per30Days: {
          current: { units: 30, revenue: '540.00', margin: '240.00' }, // 30 × 18, 30 × 8
          suggested: { units: 24.3, revenue: '486.00', margin: '243.00' }, // 24.3 × 20, × 10
        },
      },
    });
  });

  it('holds the price to +20 % when the optimum is above', () => {
    // 10 × −1.5 / −0.5 = 30.00 > 20 × 1.2
    const { suggestion } = suggestPrice(input({ listPrice: '20.0000', elasticity: -1.5 }));
    expect(suggestion).toMatchObject({ price: '24.00', optimalPrice: '30.00', clamped: 'ceiling' });
    expect(suggestion!.priceChange).toBe(0.2);
    expect(suggestion!.expectedChange.units).toBeCloseTo(1.2 ** -1.5 - 1, 4);
  });

  it('holds the price to −20 % when the optimum is below', () => {
    // 10 × −5 / −4 = 12.50 < 20 × 0.8
    const { suggestion } = suggestPrice(input({ listPrice: '20.0000', elasticity: -5 }));
    expect(suggestion).toMatchObject({ price: '16.00', optimalPrice: '12.50', clamped: 'floor' });
    expect(suggestion!.priceChange).toBe(-0.2);
    // 0.8^−5 = 3.0517578125: three times the units, 2.44 × the revenue
    expect(suggestion!.expectedChange).toEqual({ units: 2.0518, revenue: 1.4414, margin: 0.8311 });
  });

  it('keeps the exact limits of a 4-place price', () => {
    // 19.9900 × 0.8 = 15.992 → 15.99; × 1.2 = 23.988 → 23.99 (to the cent only when shown)
    const low = suggestPrice(input({ listPrice: '19.9900', cost: '1.0000', elasticity: -1.5 }));
    expect(low.suggestion).toMatchObject({
      price: '15.99',
      optimalPrice: '3.00',
      clamped: 'floor',
    });
    const high = suggestPrice(input({ listPrice: '19.9900', cost: '30.0000', elasticity: -1.5 }));
    expect(high.suggestion).toMatchObject({ price: '23.99', optimalPrice: '90.00' });
  });

  it('rounds the optimum half away from zero, once', () => {
    // 7.33 × −3 / −2 = 10.995 exactly → 11.00 (not 10.99, as 10.995 in binary floating point would)
    expect(suggestPrice(input({ cost: '7.3300', elasticity: -3 })).suggestion?.optimalPrice).toBe(
      '11.00',
    );
    // 7.33 × −11 / −10 = 8.063 → 8.06, held to the floor 14.40
    const { suggestion } = suggestPrice(input({ cost: '7.3300', elasticity: -11 }));
    expect(suggestion).toMatchObject({ optimalPrice: '8.06', price: '14.40', clamped: 'floor' });
  });

  it('shows a loss as negative money, rounded away from zero', () => {
    // Today's margin is 10.0000 − 10.0050 = −0.005 a unit, 1 unit in 30 days: −0.005 → −0.01;
    // no relative margin change from a margin that is not positive.
    const { suggestion } = suggestPrice(
      input({ listPrice: '10.0000', cost: '10.0050', elasticity: -3, unitsPerDay: 1 / 30 }),
    );
    expect(suggestion!.per30Days!.current).toEqual({ units: 1, revenue: '10.00', margin: '-0.01' });
    expect(suggestion!.expectedChange.margin).toBeNull();
    expect(suggestion).toMatchObject({ price: '12.00', clamped: 'ceiling' }); // 15.0075 > 12
  });

  it('leaves out the 30-day figures when today’s units per day are unknown', () => {
    expect(suggestPrice(input({ unitsPerDay: null })).suggestion?.per30Days).toBeNull();
  });

  it.each([-1, -0.5, 0, 0.4, Number.NaN])('gives no price for elasticity %s: inelastic', (e) => {
    expect(suggestPrice(input({ elasticity: e }))).toEqual({
      suggestion: null,
      reason: 'inelastic',
    });
  });

  it('gives no price without a cost or a list price', () => {
    expect(suggestPrice(input({ cost: null })).reason).toBe('unknown cost');
    expect(suggestPrice(input({ listPrice: '0.0000' })).reason).toBe('no list price');
  });
});

/** Price resolution, pure: customer group, then tier, then list price; validity windows. */
import { describe, expect, it } from 'vitest';
import { resolvePrice, type PriceCandidate } from '../api/catalog/price.ts';

let nextId = 1;
const item = (o: Partial<PriceCandidate>): PriceCandidate => ({
  id: nextId++,
  priceListId: 1,
  priceListName: 'Standard',
  customerGroup: null,
  minQuantity: 1,
  unitPrice: '9.00',
  validFrom: null,
  validTo: null,
  ...o,
});
const at = new Date('2026-06-01T00:00:00Z');

describe('resolvePrice', () => {
  const candidates = [
    item({ minQuantity: 1, unitPrice: '9.00' }),
    item({ minQuantity: 10, unitPrice: '8.00' }),
    item({ minQuantity: 100, unitPrice: '7.00' }),
    item({ customerGroup: 'wholesale', minQuantity: 1, unitPrice: '8.50' }),
    item({ customerGroup: 'wholesale', minQuantity: 50, unitPrice: '6.50' }),
  ];
  const resolve = (group: string | null, quantity: number, list = candidates, when = at) =>
    resolvePrice({
      listPrice: '10.00',
      candidates: list,
      customerGroup: group,
      quantity,
      at: when,
    });

  it('falls back to the list price when nothing applies', () => {
    expect(resolve(null, 1, [])).toMatchObject({
      unitPrice: '10.00',
      source: 'list_price',
      priceListItemId: null,
    });
  });
  it('picks the highest tier at or below the quantity', () => {
    expect(resolve(null, 9).unitPrice).toBe('9.00');
    expect(resolve(null, 10).unitPrice).toBe('8.00');
    expect(resolve(null, 99).unitPrice).toBe('8.00');
    expect(resolve(null, 100)).toMatchObject({
      unitPrice: '7.00',
      minQuantity: 100,
      source: 'price_list',
    });
  });
  it('prefers the customer’s group over a bigger generic tier', () => {
    expect(resolve('wholesale', 10)).toMatchObject({
      unitPrice: '8.50',
      customerGroup: 'wholesale',
    });
    expect(resolve('wholesale', 60).unitPrice).toBe('6.50');
    expect(resolve('retail', 10).unitPrice).toBe('8.00'); // other group's items never apply
  });
  it('respects validity windows (from inclusive, to exclusive)', () => {
    const windowed = [
      item({
        unitPrice: '5.00',
        validFrom: new Date('2026-06-01T00:00:00Z'),
        validTo: new Date('2026-07-01T00:00:00Z'),
      }),
    ];
    expect(resolve(null, 1, windowed).unitPrice).toBe('5.00');
    expect(resolve(null, 1, windowed, new Date('2026-05-31T23:59:59Z')).source).toBe('list_price');
    expect(resolve(null, 1, windowed, new Date('2026-07-01T00:00:00Z')).source).toBe('list_price');
  });
  it('breaks ties by the lower price, then the older item, and says why', () => {
    const tie = [
      item({ id: 900, unitPrice: '4.10', priceListName: 'A' }),
      item({ id: 901, unitPrice: '4.05', priceListName: 'B' }),
    ];
    const r = resolve(null, 1, tie);
    expect(r).toMatchObject({ unitPrice: '4.05', priceListItemId: 901 });
    expect(r.reason).toMatch(/price list "B", all customers, from quantity 1/);
  });
});

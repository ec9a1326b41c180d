/**
 * Which price applies to a product for a customer, a quantity and a moment. Pure.
 * Order of preference: a price-list item for the customer's own group beats a group-less one;
 * among those, the highest quantity tier ≤ quantity; then the lowest price, then the oldest
 * item (so the answer is stable). No applicable item → the list price.
 */

/** A price-list item as the resolver sees it (only rows of active, undeleted lists). */
export interface PriceCandidate {
  id: number;
  priceListId: number;
  priceListName: string;
  customerGroup: string | null;
  minQuantity: number;
  unitPrice: string;
  validFrom: Date | null;
  validTo: Date | null;
}

/** The price that applies and the rule that gave it. */
export interface ResolvedPrice {
  unitPrice: string;
  source: 'price_list' | 'list_price';
  priceListId: number | null;
  priceListName: string | null;
  priceListItemId: number | null;
  customerGroup: string | null;
  minQuantity: number | null;
  reason: string;
}

/** Pick the applicable price; see the file comment for the order of preference. */
export function resolvePrice(input: {
  listPrice: string;
  candidates: readonly PriceCandidate[];
  customerGroup: string | null;
  quantity: number;
  at: Date;
}): ResolvedPrice {
  const t = input.at.getTime();
  const applicable = input.candidates.filter(
    (c) =>
      c.minQuantity <= input.quantity &&
      (c.customerGroup === null || c.customerGroup === input.customerGroup) &&
      (c.validFrom === null || c.validFrom.getTime() <= t) &&
      (c.validTo === null || t < c.validTo.getTime()),
  );
  const best = [...applicable].sort(
    (a, b) =>
      Number(b.customerGroup !== null) - Number(a.customerGroup !== null) ||
      b.minQuantity - a.minQuantity ||
      comparePrices(a.unitPrice, b.unitPrice) ||
      a.id - b.id,
  )[0];
  if (!best) {
    return {
      unitPrice: input.listPrice,
      source: 'list_price',
      priceListId: null,
      priceListName: null,
      priceListItemId: null,
      customerGroup: null,
      minQuantity: null,
      reason: 'no price-list item applies; list price',
    };
  }
  const group = best.customerGroup ? `customer group ${best.customerGroup}` : 'all customers';
  return {
    unitPrice: best.unitPrice,
    source: 'price_list',
    priceListId: best.priceListId,
    priceListName: best.priceListName,
    priceListItemId: best.id,
    customerGroup: best.customerGroup,
    minQuantity: best.minQuantity,
    reason: `price list "${best.priceListName}", ${group}, from quantity ${best.minQuantity}`,
  };
}

/** Compare non-negative decimal strings without floats. */
function comparePrices(a: string, b: string): number {
  const [ai = '0', af = ''] = a.split('.');
  const [bi = '0', bf = ''] = b.split('.');
  const width = Math.max(af.length, bf.length);
  const x = BigInt(ai + af.padEnd(width, '0'));
  const y = BigInt(bi + bf.padEnd(width, '0'));
  return x < y ? -1 : x > y ? 1 : 0;
}

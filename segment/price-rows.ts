/**
 * Price items (price-suggestions.ts) as the warehouse stores them: the API's JSON item whole, and
 * beside it the columns a dashboard panel sorts and filters by. Pure.
 */
import type { PriceSuggestionItem } from './price-suggestions.ts';
import type { StoredPriceRow } from './store-warehouse.ts';

export function priceRows(items: readonly PriceSuggestionItem[]): StoredPriceRow[] {
  return items.map((item) => {
    if (item.level === 'category') {
      return {
        level: 'category',
        category: item.category,
        productId: null,
        sku: null,
        productName: null,
        elasticity: item.elasticity,
        r2: item.r2,
        periods: item.periods,
        listPrice: null,
        suggestedPrice: null,
        priceChange: null,
        unitsChange: null,
        revenueChange: null,
        marginChange: null,
        reason: null,
        item,
      };
    }
    const s = item.suggestion;
    return {
      level: 'product',
      category: item.category,
      productId: item.productId,
      sku: item.sku,
      productName: item.name,
      elasticity: item.elasticity,
      r2: item.r2,
      periods: item.periods,
      listPrice: item.listPrice,
      suggestedPrice: s?.price ?? null,
      priceChange: s?.priceChange ?? null,
      unitsChange: s?.expectedChange.units ?? null,
      revenueChange: s?.expectedChange.revenue ?? null,
      marginChange: s?.expectedChange.margin ?? null,
      reason: item.reason,
      item,
    };
  });
}

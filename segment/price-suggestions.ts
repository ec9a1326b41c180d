/**
 * Price suggestions from the warehouse, shaped for the API: `GET /api/v1/price-suggestions
 * ?category=` answers with `readPriceSuggestions` (the category's pooled fit beside its
 * products), `GET /api/v1/products/{id}/price-suggestion` with `readProductPriceSuggestion`.
 * Reads only (PRICE_RELATIONS); nothing is written back.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { formatPrice, toExact } from '../api/orders/money.ts';
import { DEFAULT_DEMAND_MODEL, usablePeriods, type DemandModel } from './price-demand.ts';
import {
  DEFAULT_FIT_RULES,
  fitCategories,
  fitProduct,
  type CategoryFit,
  type NoFitReason,
  type PriceFitRules,
} from './price-fit.ts';
import { readPricePeriods, type ProductPriceHistory } from './price-periods.ts';
import { suggestPrice, type PriceSuggestion, type SuggestionReason } from './price-suggest.ts';

/** The warehouse relations the price analysis reads (for a 503 "not built" check). */
export const PRICE_RELATIONS = [
  'core.dim_products',
  'core.fct_order_lines',
  'core.fct_orders',
  'staging.stg_product_price_history',
] as const;

/** A category's pooled elasticity (product fixed effects). */
export interface CategoryPriceItem extends CategoryFit {
  level: 'category';
}

/** Why a product has no suggested price. */
export type PriceReason = NoFitReason | SuggestionReason;

/**
 * A product's own elasticity and its suggested price, or the reason there is none. Today's list
 * price and cost as a price is shown ("19.99", "0.125").
 */
export interface ProductPriceItem extends Omit<ProductPriceHistory, 'periods'> {
  level: 'product';
  /** List-price periods long enough to measure demand in. */
  periods: number;
  elasticity: number | null;
  r2: number | null;
  /** The pooled elasticity of the product's category, for comparison. */
  categoryElasticity: number | null;
  /** Units ordered per day since today's price was set (null: set too recently to tell). */
  unitsPerDay: number | null;
  suggestion: PriceSuggestion | null;
  /**
   * Whose elasticity the suggestion used: the product's own fit, or — when that fit strays more
   * than MAX_OWN_DEVIATION from its category's pooled one — the category's (null: no suggestion).
   */
  suggestionBasis: 'product' | 'category' | null;
  reason: PriceReason | null;
}

export type PriceSuggestionItem = CategoryPriceItem | ProductPriceItem;

/** How the analysis runs; every field has a default (price-demand.ts, price-fit.ts). */
export interface PriceAnalysisOptions {
  model?: Partial<DemandModel>;
  rules?: Partial<PriceFitRules>;
}

/** Elasticities and r² are estimates: three places are all they carry. */
function round3(x: number | null): number | null {
  return x === null ? null : (Math.sign(x) * Math.round(Math.abs(x) * 1000)) / 1000 || 0;
}

function categoryItem(fit: CategoryFit): CategoryPriceItem {
  return { level: 'category', ...fit, elasticity: round3(fit.elasticity), r2: round3(fit.r2) };
}

/** Units per day in the current list-price period, if it is long enough and at today's price. */
function currentUnitsPerDay(product: ProductPriceHistory, model: DemandModel): number | null {
  const last = product.periods[product.periods.length - 1];
  if (!last || usablePeriods([last], model).length === 0) return null;
  if (toExact(last.listPrice) !== toExact(product.listPrice)) return null;
  return last.units / last.days;
}

/**
 * How far a product's own elasticity may sit from its category's pooled one and still price the
 * product. A product has 3–5 list-price periods; a fit from so few points lands at −11 now and then
 * (the demo's truth is −0.5 … −2.5), and the arithmetic then promises +800 % revenue from a 20 %
 * price cut. The pooled fit has ~100 periods behind it, so beyond one unit from it the product's
 * own fit is more likely noise than a product that really differs; the suggestion uses the
 * category's and says so.
 */
export const MAX_OWN_DEVIATION = 1;

/** The elasticity a suggestion is priced with, and whose it is. */
function pricingElasticity(
  own: number,
  category: number | null,
): { elasticity: number; basis: 'product' | 'category' } {
  return category !== null && Math.abs(own - category) > MAX_OWN_DEVIATION
    ? { elasticity: category, basis: 'category' }
    : { elasticity: own, basis: 'product' };
}

function productItem(
  product: ProductPriceHistory,
  categoryElasticity: number | null,
  model: DemandModel,
  rules: PriceFitRules,
): ProductPriceItem {
  const fit = fitProduct(product, model, rules);
  const unitsPerDay = currentUnitsPerDay(product, model);
  const pricing =
    fit.elasticity === null ? null : pricingElasticity(fit.elasticity, categoryElasticity);
  const result =
    pricing === null
      ? { suggestion: null, reason: fit.reason! }
      : suggestPrice({
          listPrice: product.listPrice,
          cost: product.cost,
          elasticity: pricing.elasticity,
          unitsPerDay,
        });
  return {
    level: 'product',
    productId: product.productId,
    sku: product.sku,
    name: product.name,
    categoryId: product.categoryId,
    category: product.category,
    listPrice: formatPrice(product.listPrice),
    cost: product.cost === null ? null : formatPrice(product.cost),
    periods: fit.periods,
    elasticity: round3(fit.elasticity),
    r2: round3(fit.r2),
    categoryElasticity: round3(categoryElasticity),
    unitsPerDay: unitsPerDay === null ? null : Math.round(unitsPerDay * 1000) / 1000,
    ...result,
    suggestionBasis: result.suggestion ? pricing!.basis : null,
  };
}

/** Products and category fits → items: each category's fit, then its products. */
function toItems(
  products: readonly ProductPriceHistory[],
  options: PriceAnalysisOptions,
): PriceSuggestionItem[] {
  const model = { ...DEFAULT_DEMAND_MODEL, ...options.model };
  const rules = { ...DEFAULT_FIT_RULES, ...options.rules };
  const fits = fitCategories(products, model, rules).sort((a, b) =>
    (a.category ?? '').localeCompare(b.category ?? ''),
  );
  const items: PriceSuggestionItem[] = [];
  for (const fit of fits) {
    items.push(categoryItem(fit));
    for (const p of products) {
      if (p.categoryId === fit.categoryId) items.push(productItem(p, fit.elasticity, model, rules));
    }
  }
  return items;
}

/**
 * The review list: for every category (or only `category`, by name) its pooled fit
 * (`level: "category"`), followed by its active products (`level: "product"`), by product id.
 */
export async function readPriceSuggestions(
  conn: DuckDBConnection,
  options: PriceAnalysisOptions & { category?: string } = {},
): Promise<PriceSuggestionItem[]> {
  const filter = options.category === undefined ? {} : { category: options.category };
  return toItems(await readPricePeriods(conn, filter), options);
}

/**
 * One product's item (its category's products are read too, for the pooled fit it is
 * compared with); null when there is no such active product.
 */
export async function readProductPriceSuggestion(
  conn: DuckDBConnection,
  productId: number,
  options: PriceAnalysisOptions = {},
): Promise<ProductPriceItem | null> {
  const products = await readPricePeriods(conn, { categoryOf: productId });
  const item = toItems(products, options).find(
    (i): i is ProductPriceItem => i.level === 'product' && i.productId === productId,
  );
  return item ?? null;
}

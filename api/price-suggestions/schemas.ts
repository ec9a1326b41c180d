/**
 * Shapes of the price suggestions the segment job stores (segment/price-suggestions.ts makes each
 * item; ml.mart_price_suggestions keeps it whole in its `item` column). The API serves the stored
 * items as they are; these schemas describe them for the OpenAPI document.
 */
import { z } from 'zod';
import { decimalText } from '../openapi.ts';
import { pageSchema, paginationQuery } from '../pagination.ts';

/** The segment run the items come from. */
export const priceRunDto = z
  .object({
    id: z.number().describe('segment run id'),
    asOf: z.string().nullable().describe('the day the run describes, YYYY-MM-DD'),
    finishedAt: z.string().nullable(),
  })
  .describe('the segment run that computed the items');
export type PriceRunDto = z.infer<typeof priceRunDto>;

const outlook = z.object({
  units: z.number(),
  revenue: decimalText,
  margin: decimalText,
});

const suggestion = z.object({
  price: decimalText.describe('the suggested list price, to the cent'),
  optimalPrice: decimalText.describe('cost·e/(1+e) before the ±20 % limit'),
  clamped: z.enum(['floor', 'ceiling']).nullable().describe('which limit held the optimum'),
  priceChange: z.number().describe('suggested / today − 1'),
  expectedChange: z.object({
    units: z.number(),
    revenue: z.number(),
    margin: z.number().nullable().describe("null when today's margin is not positive"),
  }),
  per30Days: z
    .object({ current: outlook, suggested: outlook })
    .nullable()
    .describe("null when today's price is too new to know its units per day"),
});

export const categoryPriceItem = z.object({
  level: z.literal('category'),
  categoryId: z.number().nullable(),
  category: z.string().nullable(),
  elasticity: z
    .number()
    .nullable()
    .describe('pooled over the category (product fixed effects); null: no price variation'),
  r2: z.number().nullable(),
  products: z.number().describe('products that entered the fit'),
  periods: z.number().describe('list-price periods that entered the fit'),
});

export const productPriceItem = z.object({
  level: z.literal('product'),
  productId: z.number(),
  sku: z.string(),
  name: z.string(),
  categoryId: z.number().nullable(),
  category: z.string().nullable(),
  listPrice: decimalText.describe('the list price when the run was made'),
  cost: decimalText.nullable(),
  periods: z.number().describe('list-price periods long enough to measure demand in'),
  elasticity: z.number().nullable(),
  r2: z.number().nullable(),
  categoryElasticity: z.number().nullable(),
  unitsPerDay: z.number().nullable(),
  suggestion: suggestion.nullable(),
  suggestionBasis: z
    .enum(['product', 'category'])
    .nullable()
    .describe(
      "whose elasticity the suggestion used: the product's own, or its category's when the own fit strays more than 1 from it; null without a suggestion",
    ),
  reason: z
    .string()
    .nullable()
    .describe(
      'why there is no suggestion: not enough history, not enough price variation, inelastic, unknown cost, no list price',
    ),
});

export const priceSuggestionItem = z.discriminatedUnion('level', [
  categoryPriceItem,
  productPriceItem,
]);

export const priceSuggestionQuery = paginationQuery.extend({
  category: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .describe('only this category (its name, any case): its pooled fit, then its products'),
});
export type PriceSuggestionQuery = z.output<typeof priceSuggestionQuery>;

/**
 * A list item carries its run, like the one-product answer: the envelope stays {items,
 * nextCursor}, as every list's does.
 */
export const priceSuggestionPage = pageSchema(
  z.discriminatedUnion('level', [
    categoryPriceItem.extend({ run: priceRunDto }),
    productPriceItem.extend({ run: priceRunDto }),
  ]),
);

export const productPriceSuggestionDto = productPriceItem.extend({ run: priceRunDto });

/**
 * GET /price-suggestions and /products/{id}/price-suggestion: the newest segment run's price
 * elasticities and suggested list prices (docs/segmentation.md, "Price suggestions"). Setting
 * prices is a manager's business, so managers read them, and analysts and executives, who read
 * the warehouse's figures anyway. Not staff: a suggestion is not a price until a manager sets it,
 * and a rep quoting one would promise a customer a price the catalog does not have (the price
 * that applies is GET /products/{id}/price).
 */
import { Router } from 'express';
import type { AppContext } from '../../context.ts';
import { idParams } from '../fields.ts';
import type { RouteRegistry } from '../route.ts';
import { priceSuggestionPage, priceSuggestionQuery, productPriceSuggestionDto } from './schemas.ts';
import { listPriceSuggestions, productPriceSuggestion } from './service.ts';

const ROLES = ['manager', 'analyst', 'executive'] as const;

export function priceSuggestionRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  const tag = 'price suggestions';

  registry.add(
    router,
    {
      method: 'get',
      path: '/price-suggestions',
      summary:
        "The newest segment run's price review list: each category's pooled elasticity, then its products' suggestions (?category=)",
      tag,
      roles: ROLES,
      query: priceSuggestionQuery,
      response: priceSuggestionPage,
      errors: [503],
    },
    ({ query }) => listPriceSuggestions(ctx, query),
  );
  registry.add(
    router,
    {
      method: 'get',
      path: '/products/:id/price-suggestion',
      summary:
        "The product's elasticity and suggested list price from the newest segment run, or why there is none",
      tag,
      roles: ROLES,
      params: idParams,
      response: productPriceSuggestionDto,
      errors: [503],
    },
    ({ params }) => productPriceSuggestion(ctx, ctx.ops.db, params.id),
  );
  return router;
}

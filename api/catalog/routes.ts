/** HTTP for categories, products, price history and price resolution. */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { decodeCursor, pageOf, pageSchema, wholeList } from '../pagination.ts';
import type { RouteRegistry } from '../route.ts';
import * as repo from './repository.ts';
import {
  categoryBody,
  categoryDto,
  categoryPatch,
  priceHistoryDto,
  priceQuery,
  productBody,
  productDto,
  productPatch,
  productQuery,
  resolvedPriceDto,
  toCategoryDto,
  toPriceHistoryDto,
  toProductDto,
} from './schemas.ts';
import * as categories from './category-service.ts';
import * as service from './service.ts';
import { priceListRoutes } from './price-list-routes.ts';
import { idParams } from '../fields.ts';

/** Every role may read the catalog. */
export const READ_ROLES = ['manager', 'staff', 'analyst', 'executive'] as const;
/** Managers (and admins) maintain it. */
export const WRITE_ROLES = ['manager'] as const;

export function catalogRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  const db = ctx.ops.db;
  const tag = 'catalog';

  registry.add(
    router,
    {
      method: 'get',
      path: '/categories',
      summary: 'List product categories',
      tag,
      roles: READ_ROLES,
      response: pageSchema(categoryDto),
    },
    // Ordered by name for pickers: one page.
    async () => wholeList((await repo.listCategories(db)).map(toCategoryDto)),
  );
  registry.add(
    router,
    {
      method: 'post',
      path: '/categories',
      summary: 'Create a product category',
      tag,
      roles: WRITE_ROLES,
      body: categoryBody,
      response: categoryDto,
      status: 201,
    },
    async ({ body, principal }) =>
      toCategoryDto(await categories.createCategory(db, principal, body)),
  );
  registry.add(
    router,
    {
      method: 'patch',
      path: '/categories/:id',
      summary: 'Rename or re-parent a category',
      tag,
      roles: WRITE_ROLES,
      params: idParams,
      body: categoryPatch,
      response: categoryDto,
    },
    async ({ params, body, principal }) =>
      toCategoryDto(await categories.updateCategory(db, principal, params.id, body)),
  );
  registry.add(
    router,
    {
      method: 'delete',
      path: '/categories/:id',
      summary: 'Delete a category (soft)',
      tag,
      roles: WRITE_ROLES,
      params: idParams,
      status: 204,
    },
    async ({ params, principal }) => {
      await categories.deleteCategory(db, principal, params.id);
      return undefined;
    },
  );

  registry.add(
    router,
    {
      method: 'get',
      path: '/products',
      summary: 'List products (?q= searches name and sku; cursor pagination)',
      tag,
      roles: READ_ROLES,
      query: productQuery,
      response: pageSchema(productDto),
    },
    async ({ query }) => {
      const rows = await repo.listProducts(db, {
        afterId: decodeCursor(query.cursor),
        limit: query.limit + 1,
        q: query.q,
        categoryId: query.categoryId,
        active: query.active === undefined ? undefined : query.active === 'true',
      });
      return pageOf(rows, query.limit, toProductDto);
    },
  );
  registry.add(
    router,
    {
      method: 'post',
      path: '/products',
      summary: 'Create a product',
      tag,
      roles: WRITE_ROLES,
      body: productBody,
      response: productDto,
      status: 201,
    },
    async ({ body, principal }) => toProductDto(await service.createProduct(db, principal, body)),
  );
  registry.add(
    router,
    {
      method: 'get',
      path: '/products/:id',
      summary: 'One product',
      tag,
      roles: READ_ROLES,
      params: idParams,
      response: productDto,
    },
    async ({ params }) => toProductDto(await service.getProduct(db, params.id)),
  );
  registry.add(
    router,
    {
      method: 'patch',
      path: '/products/:id',
      summary: 'Change a product; a new list price or cost is kept in its price history',
      tag,
      roles: WRITE_ROLES,
      params: idParams,
      body: productPatch,
      response: productDto,
    },
    async ({ params, body, principal }) =>
      toProductDto(await service.updateProduct(db, principal, params.id, body)),
  );
  registry.add(
    router,
    {
      method: 'delete',
      path: '/products/:id',
      summary: 'Delete a product (soft)',
      tag,
      roles: WRITE_ROLES,
      params: idParams,
      status: 204,
    },
    async ({ params, principal }) => {
      await service.updateProduct(db, principal, params.id, { deleted: true });
      return undefined;
    },
  );
  registry.add(
    router,
    {
      method: 'get',
      path: '/products/:id/price-history',
      summary: 'List price and cost over time, newest first',
      tag,
      roles: READ_ROLES,
      params: idParams,
      response: pageSchema(priceHistoryDto),
    },
    async ({ params }) => {
      await service.getProduct(db, params.id);
      return wholeList((await repo.listPriceHistory(db, params.id)).map(toPriceHistoryDto));
    },
  );
  registry.add(
    router,
    {
      method: 'get',
      path: '/products/:id/price',
      summary:
        'The unit price that applies for a customer, quantity and moment, and which rule gave it',
      tag,
      roles: READ_ROLES,
      params: idParams,
      query: priceQuery,
      response: resolvedPriceDto,
    },
    async ({ params, query, principal }) =>
      service.priceForCustomer(db, principal, params.id, query),
  );

  router.use(priceListRoutes(ctx, registry));
  return router;
}

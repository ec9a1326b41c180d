/** HTTP for price lists and their items. */
import { Router } from 'express';
import type { AppContext } from '../../context.ts';
import type { RouteRegistry } from '../route.ts';
import * as repo from './repository.ts';
import * as service from './price-list-service.ts';
import {
  itemParams,
  priceListBody,
  priceListDto,
  priceListItemBody,
  priceListItemDto,
  priceListItemPatch,
  priceListPatch,
  toPriceListDto,
  toPriceListItemDto,
} from './schemas.ts';
import { idPage, pageOf, pageSchema, paginationQuery } from '../pagination.ts';
import { idParams } from '../fields.ts';

const READ_ROLES = ['manager', 'staff', 'analyst', 'executive'] as const;
const WRITE_ROLES = ['manager'] as const;

export function priceListRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  const db = ctx.ops.db;
  const tag = 'price lists';

  registry.add(
    router,
    {
      method: 'get',
      path: '/price-lists',
      summary: 'List price lists',
      tag,
      roles: READ_ROLES,
      query: paginationQuery,
      response: pageSchema(priceListDto),
    },
    async ({ query }) =>
      pageOf(await repo.listPriceLists(db, idPage(query)), query.limit, toPriceListDto),
  );
  registry.add(
    router,
    {
      method: 'post',
      path: '/price-lists',
      summary: 'Create a price list',
      tag,
      roles: WRITE_ROLES,
      body: priceListBody,
      response: priceListDto,
      status: 201,
    },
    async ({ body, principal }) =>
      toPriceListDto(await service.createPriceList(db, principal, body)),
  );
  registry.add(
    router,
    {
      method: 'get',
      path: '/price-lists/:id',
      // Without its items: they grow with the catalog and page at GET /price-lists/{id}/items.
      summary: 'One price list (its items: GET /price-lists/{id}/items)',
      tag,
      roles: READ_ROLES,
      params: idParams,
      response: priceListDto,
    },
    async ({ params }) => toPriceListDto(await service.getPriceList(db, params.id)),
  );
  registry.add(
    router,
    {
      method: 'patch',
      path: '/price-lists/:id',
      summary: 'Rename, (de)activate a price list',
      tag,
      roles: WRITE_ROLES,
      params: idParams,
      body: priceListPatch,
      response: priceListDto,
    },
    async ({ params, body, principal }) =>
      toPriceListDto(await service.updatePriceList(db, principal, params.id, body)),
  );
  registry.add(
    router,
    {
      method: 'delete',
      path: '/price-lists/:id',
      summary: 'Delete a price list (soft)',
      tag,
      roles: WRITE_ROLES,
      params: idParams,
      status: 204,
    },
    async ({ params, principal }) => {
      await service.updatePriceList(db, principal, params.id, { deleted: true });
      return undefined;
    },
  );
  registry.add(
    router,
    {
      method: 'get',
      path: '/price-lists/:id/items',
      summary: 'Items of a price list, by id',
      tag,
      roles: READ_ROLES,
      params: idParams,
      query: paginationQuery,
      response: pageSchema(priceListItemDto),
    },
    async ({ params, query }) => {
      await service.getPriceList(db, params.id);
      const rows = await repo.listPriceListItems(db, params.id, idPage(query));
      return pageOf(rows, query.limit, toPriceListItemDto);
    },
  );
  registry.add(
    router,
    {
      method: 'post',
      path: '/price-lists/:id/items',
      summary: 'Add an item: product, minQuantity tier, unitPrice, validity, customer group',
      tag,
      roles: WRITE_ROLES,
      params: idParams,
      body: priceListItemBody,
      response: priceListItemDto,
      status: 201,
    },
    async ({ params, body, principal }) =>
      toPriceListItemDto(await service.createPriceListItem(db, principal, params.id, body)),
  );
  registry.add(
    router,
    {
      method: 'patch',
      path: '/price-lists/:id/items/:itemId',
      summary: 'Change a price list item',
      tag,
      roles: WRITE_ROLES,
      params: itemParams,
      body: priceListItemPatch,
      response: priceListItemDto,
    },
    async ({ params, body, principal }) =>
      toPriceListItemDto(
        await service.updatePriceListItem(db, principal, params.id, params.itemId, body),
      ),
  );
  registry.add(
    router,
    {
      method: 'delete',
      path: '/price-lists/:id/items/:itemId',
      summary: 'Delete a price list item (soft)',
      tag,
      roles: WRITE_ROLES,
      params: itemParams,
      status: 204,
    },
    async ({ params, principal }) => {
      await service.updatePriceListItem(db, principal, params.id, params.itemId, { deleted: true });
      return undefined;
    },
  );
  return router;
}

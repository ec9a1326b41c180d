/** Price lists and their items (tiers by minimum quantity, customer group, validity window). */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { recordAudit } from '../audit/audit.ts';
import type { Principal } from '../auth/principal.ts';
import { notFound, unknownReference } from '../errors.ts';
import * as repo from './repository.ts';
import { toPriceListDto, toPriceListItemDto } from './schemas.ts';
import { recordEvent } from '../events/record-event.ts';

export async function getPriceList(db: Kysely<DB>, id: number) {
  const row = await repo.findPriceList(db, id);
  if (!row) throw notFound('price list', id);
  return row;
}

export async function createPriceList(
  db: Kysely<DB>,
  principal: Principal,
  input: { name: string; currency?: string; active?: boolean },
) {
  return db.transaction().execute(async (trx) => {
    const row = await repo.insertPriceList(trx, input);
    await recordAudit(trx, {
      principal,
      entity: 'price_list',
      entityId: row.id,
      action: 'create',
      after: row,
      events: [recordEvent('price_list', 'created', toPriceListDto(row), principal)],
    });
    return row;
  });
}

export async function updatePriceList(
  db: Kysely<DB>,
  principal: Principal,
  id: number,
  input: { name?: string; currency?: string; active?: boolean; deleted?: boolean },
) {
  return db.transaction().execute(async (trx) => {
    const before = await repo.findPriceList(trx, id, { lock: true });
    if (!before) throw notFound('price list', id);
    const after = await repo.updatePriceList(trx, id, {
      name: input.name,
      currency: input.currency,
      active: input.active,
      ...(input.deleted ? { deleted_at: new Date() } : {}),
    });
    await recordAudit(trx, {
      principal,
      entity: 'price_list',
      entityId: id,
      action: input.deleted ? 'delete' : 'update',
      before,
      after,
      events: [
        recordEvent(
          'price_list',
          input.deleted ? 'deleted' : 'updated',
          toPriceListDto(after!),
          principal,
        ),
      ],
    });
    return after!;
  });
}

type ItemInput = {
  productId?: number;
  customerGroup?: string | null;
  minQuantity?: number;
  unitPrice?: string;
  validFrom?: Date | null;
  validTo?: Date | null;
};

export async function createPriceListItem(
  db: Kysely<DB>,
  principal: Principal,
  priceListId: number,
  input: ItemInput & { productId: number; unitPrice: string },
) {
  return db.transaction().execute(async (trx) => {
    if (!(await repo.findPriceList(trx, priceListId))) throw notFound('price list', priceListId);
    if (!(await repo.findProduct(trx, input.productId)))
      throw unknownReference('productId', 'product', input.productId);
    const row = await repo.insertPriceListItem(trx, {
      price_list_id: priceListId,
      product_id: input.productId,
      customer_group: input.customerGroup ?? null,
      min_quantity: input.minQuantity,
      unit_price: input.unitPrice,
      valid_from: input.validFrom ?? null,
      valid_to: input.validTo ?? null,
    });
    await recordAudit(trx, {
      principal,
      entity: 'price_list_item',
      entityId: row.id,
      action: 'create',
      after: row,
      events: [recordEvent('price_list_item', 'created', toPriceListItemDto(row), principal)],
    });
    return row;
  });
}

export async function updatePriceListItem(
  db: Kysely<DB>,
  principal: Principal,
  priceListId: number,
  itemId: number,
  input: ItemInput & { deleted?: boolean },
) {
  return db.transaction().execute(async (trx) => {
    const before = await repo.findPriceListItem(trx, priceListId, itemId, { lock: true });
    if (!before) throw notFound('price list item', itemId);
    if (input.productId !== undefined && !(await repo.findProduct(trx, input.productId)))
      throw unknownReference('productId', 'product', input.productId);
    const after = await repo.updatePriceListItem(trx, itemId, {
      product_id: input.productId,
      customer_group: input.customerGroup,
      min_quantity: input.minQuantity,
      unit_price: input.unitPrice,
      valid_from: input.validFrom,
      valid_to: input.validTo,
      ...(input.deleted ? { deleted_at: new Date() } : {}),
    });
    await recordAudit(trx, {
      principal,
      entity: 'price_list_item',
      entityId: itemId,
      action: input.deleted ? 'delete' : 'update',
      before,
      after,
      events: [
        recordEvent(
          'price_list_item',
          input.deleted ? 'deleted' : 'updated',
          toPriceListItemDto(after),
          principal,
        ),
      ],
    });
    return after;
  });
}

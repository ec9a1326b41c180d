/**
 * Catalog rules: products (with price history) and price resolution. Categories are in
 * category-service.ts, price lists in price-list-service.ts.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { ProductsTable } from '../../db/schema-catalog.ts';
import { recordAudit } from '../audit/audit.ts';
import type { Principal } from '../auth/principal.ts';
import { canSeeOwner, visibleRepIds } from '../auth/scope.ts';
import { AppError, notFound, unknownReference } from '../errors.ts';
import { formatPrice } from '../orders/money.ts';
import { resolvePrice, type PriceCandidate, type ResolvedPrice } from './price.ts';
import * as repo from './repository.ts';
import { toProductDto } from './schemas.ts';
import { recordEvent } from '../events/record-event.ts';

type Db = Kysely<DB> | Transaction<DB>;

export async function getProduct(db: Db, id: number) {
  const row = await repo.findProduct(db, id);
  if (!row) throw notFound('product', id);
  return row;
}

export async function createProduct(
  db: Kysely<DB>,
  principal: Principal,
  input: {
    sku: string;
    name: string;
    categoryId?: number | null;
    listPrice: string;
    cost?: string | null;
    active?: boolean;
  },
) {
  return db.transaction().execute(async (trx) => {
    if (input.categoryId != null && !(await repo.findCategory(trx, input.categoryId, 'share')))
      throw unknownReference('categoryId', 'category', input.categoryId);
    const row = await repo.insertProduct(trx, {
      sku: input.sku,
      name: input.name,
      category_id: input.categoryId ?? null,
      list_price: input.listPrice,
      cost: input.cost ?? null,
      active: input.active,
    });
    await repo.insertPriceHistory(trx, {
      product_id: row.id,
      list_price: row.list_price,
      cost: row.cost,
      valid_from: row.created_at,
    });
    await recordAudit(trx, {
      principal,
      entity: 'product',
      entityId: row.id,
      action: 'create',
      after: row,
      events: [recordEvent('product', 'created', toProductDto(row), principal)],
    });
    return row;
  });
}

/** Update (or soft-delete) a product; a changed list price or cost opens a price-history row. */
export async function updateProduct(
  db: Kysely<DB>,
  principal: Principal,
  id: number,
  input: Partial<{
    sku: string;
    name: string;
    categoryId: number | null;
    listPrice: string;
    cost: string | null;
    active: boolean;
  }> & { deleted?: boolean },
): Promise<Selectable<ProductsTable>> {
  return db.transaction().execute(async (trx) => {
    const before = await repo.findProduct(trx, id, { forUpdate: true });
    if (!before) throw notFound('product', id);
    if (input.categoryId != null && !(await repo.findCategory(trx, input.categoryId, 'share')))
      throw unknownReference('categoryId', 'category', input.categoryId);
    const after = await repo.updateProduct(trx, id, {
      sku: input.sku,
      name: input.name,
      category_id: input.categoryId,
      list_price: input.listPrice,
      cost: input.cost,
      active: input.active,
      ...(input.deleted ? { deleted_at: new Date() } : {}),
    });
    if (after.list_price !== before.list_price || after.cost !== before.cost) {
      await repo.insertPriceHistory(trx, {
        product_id: id,
        list_price: after.list_price,
        cost: after.cost,
        valid_from: after.updated_at,
      });
    }
    await recordAudit(trx, {
      principal,
      entity: 'product',
      entityId: id,
      action: input.deleted ? 'delete' : 'update',
      before,
      after,
      events: [
        recordEvent(
          'product',
          input.deleted ? 'deleted' : 'updated',
          toProductDto(after),
          principal,
        ),
      ],
    });
    return after;
  });
}

/**
 * Resolved unit prices for several products at once (orders use this for every line).
 * `quantities` maps product id → quantity; products must exist.
 */
export async function resolvePrices(
  db: Db,
  products: readonly { id: number; list_price: string }[],
  quantities: ReadonlyMap<number, number>,
  customerGroup: string | null,
  at: Date,
): Promise<Map<number, ResolvedPrice>> {
  const candidates = await repo.priceCandidates(
    db,
    products.map((p) => p.id),
  );
  return resolvePricesFrom(candidates, products, quantities, customerGroup, at);
}

/** resolvePrices over candidates already read (the order path reads them with its inputs). */
export function resolvePricesFrom(
  candidates: ReadonlyMap<number, PriceCandidate[]>,
  products: readonly { id: number; list_price: string }[],
  quantities: ReadonlyMap<number, number>,
  customerGroup: string | null,
  at: Date,
): Map<number, ResolvedPrice> {
  const out = new Map<number, ResolvedPrice>();
  for (const p of products) {
    out.set(
      p.id,
      resolvePrice({
        listPrice: p.list_price,
        candidates: candidates.get(p.id) ?? [],
        customerGroup,
        quantity: quantities.get(p.id) ?? 1,
        at,
      }),
    );
  }
  return out;
}

/** GET products/{id}/price: the price for a customer, quantity and moment, and why. */
export async function priceForCustomer(
  db: Kysely<DB>,
  principal: Principal,
  productId: number,
  q: { customerId?: number; quantity: number; at?: Date },
) {
  const product = await getProduct(db, productId);
  const at = q.at ?? new Date();
  let group: string | null = null;
  if (q.customerId !== undefined) {
    const c = await db
      .selectFrom('customers')
      .select(['customer_group', 'owner_rep_id'])
      .where('id', '=', q.customerId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!c || !canSeeOwner(await visibleRepIds(db, principal), c.owner_rep_id))
      throw notFound('customer', q.customerId);
    group = c.customer_group;
  }
  // The list price in force at `at` (history), so a past date gets the price of that day.
  const historic = q.at ? await repo.listPriceAt(db, productId, at) : undefined;
  const listPrice = historic?.list_price ?? product.list_price;
  const resolved = (
    await resolvePrices(
      db,
      [{ id: productId, list_price: listPrice }],
      new Map([[productId, q.quantity]]),
      group,
      at,
    )
  ).get(productId)!;
  return {
    productId,
    quantity: q.quantity,
    at: at.toISOString(),
    ...resolved,
    unitPrice: formatPrice(resolved.unitPrice),
  };
}

/** SQL for categories, products, price history and price lists. */
import { sql, type Insertable, type Kysely, type Transaction, type Updateable } from 'kysely';
import type { IdPage } from '../pagination.ts';
import type { DB } from '../../db/schema.ts';
import type {
  PriceListItemsTable,
  PriceListsTable,
  ProductCategoriesTable,
  ProductsTable,
} from '../../db/schema-catalog.ts';
import type { PriceCandidate } from './price.ts';
import { listLiveRowsById } from '../../db/live-rows.ts';
import { updateRowById } from '../../db/update-row.ts';

type Db = Kysely<DB> | Transaction<DB>;

export function listCategories(db: Db) {
  return db
    .selectFrom('product_categories')
    .selectAll()
    .where('deleted_at', 'is', null)
    .orderBy('name')
    .execute();
}

/**
 * A live category; `lock` share when a write will point at it (a product or child category),
 * update when the category itself changes, so a concurrent delete waits or finds it gone.
 */
export function findCategory(db: Db, id: number, lock?: 'share' | 'update') {
  let q = db
    .selectFrom('product_categories')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null);
  if (lock === 'share') q = q.forShare();
  if (lock === 'update') q = q.forUpdate();
  return q.executeTakeFirst();
}

/**
 * Serialise changes of the tree's shape (re-parenting) for the rest of the transaction: two
 * moves that each look fine alone (A under B, B under A) would together make a cycle.
 */
export async function lockCategoryTree(db: Db): Promise<void> {
  // 0x5ca7_7ee = a fixed key of our own for "the category tree" (advisory locks are per key).
  await sql`SELECT pg_advisory_xact_lock(${0x5ca77ee}::bigint)`.execute(db);
}

/** Ids of `id` and all its ancestors (deleted ones too; UNION stops on a cycle already there). */
export async function categoryAncestors(db: Db, id: number): Promise<number[]> {
  const r = await sql<{ id: string | number }>`
    WITH RECURSIVE up (id, parent_id) AS (
      SELECT id, parent_id FROM product_categories WHERE id = ${id}
      UNION
      SELECT c.id, c.parent_id FROM product_categories AS c JOIN up ON c.id = up.parent_id
    )
    SELECT id FROM up`.execute(db);
  return r.rows.map((row) => Number(row.id));
}

/** What still points at a category: live products and live subcategories. */
export async function categoryUsage(
  db: Db,
  id: number,
): Promise<{ products: number; subcategories: number }> {
  const r = await sql<{ products: number; subcategories: number }>`
    SELECT
      (SELECT count(*) FROM products WHERE category_id = ${id} AND deleted_at IS NULL)::int
        AS products,
      (SELECT count(*) FROM product_categories WHERE parent_id = ${id} AND deleted_at IS NULL)::int
        AS subcategories`.execute(db);
  return r.rows[0]!;
}

export function insertCategory(db: Db, row: Insertable<ProductCategoriesTable>) {
  return db.insertInto('product_categories').values(row).returningAll().executeTakeFirstOrThrow();
}

export function updateCategory(db: Db, id: number, set: Updateable<ProductCategoriesTable>) {
  return updateRowById(db, 'product_categories', id, set);
}

/** Products page by id, with optional text search, category and active filters. */
export function listProducts(
  db: Db,
  f: { afterId?: number; limit: number; q?: string; categoryId?: number; active?: boolean },
) {
  let q = db.selectFrom('products').selectAll().where('deleted_at', 'is', null);
  if (f.afterId !== undefined) q = q.where('id', '>', f.afterId);
  if (f.categoryId !== undefined) q = q.where('category_id', '=', f.categoryId);
  if (f.active !== undefined) q = q.where('active', '=', f.active);
  if (f.q) {
    const like = `%${f.q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
    q = q.where((eb) => eb.or([eb('name', 'ilike', like), eb('sku', 'ilike', like)]));
  }
  return q.orderBy('id').limit(f.limit).execute();
}

export function findProduct(db: Db, id: number, opts: { forUpdate?: boolean } = {}) {
  let q = db
    .selectFrom('products')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null);
  if (opts.forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export function insertProduct(db: Db, row: Insertable<ProductsTable>) {
  return db.insertInto('products').values(row).returningAll().executeTakeFirstOrThrow();
}

export function updateProduct(db: Db, id: number, set: Updateable<ProductsTable>) {
  return updateRowById(db, 'products', id, set);
}

export function insertPriceHistory(
  db: Db,
  row: { product_id: number; list_price: string; cost: string | null; valid_from: Date },
) {
  return db.insertInto('product_price_history').values(row).execute();
}

export function listPriceHistory(db: Db, productId: number) {
  return db
    .selectFrom('product_price_history')
    .selectAll()
    .where('product_id', '=', productId)
    .orderBy('valid_from', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** The list price in force at `at` (latest history row from before it), if any. */
export function listPriceAt(db: Db, productId: number, at: Date) {
  return db
    .selectFrom('product_price_history')
    .select(['list_price'])
    .where('product_id', '=', productId)
    .where('valid_from', '<=', at)
    .orderBy('valid_from', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export function listPriceLists(db: Db, page?: IdPage) {
  return listLiveRowsById(db, 'price_lists', page);
}

/** A live price list; `lock`: FOR NO KEY UPDATE, for an update that follows (db/update-row.ts). */
export function findPriceList(db: Db, id: number, opts: { lock?: boolean } = {}) {
  return db
    .selectFrom('price_lists')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .$if(opts.lock === true, (q) => q.forNoKeyUpdate())
    .executeTakeFirst();
}

export function insertPriceList(db: Db, row: Insertable<PriceListsTable>) {
  return db.insertInto('price_lists').values(row).returningAll().executeTakeFirstOrThrow();
}

export function updatePriceList(db: Db, id: number, set: Updateable<PriceListsTable>) {
  return updateRowById(db, 'price_lists', id, set);
}

/** One page of a price list's items by id: a list grows with the catalog (an item per tier). */
export function listPriceListItems(db: Db, priceListId: number, page: IdPage) {
  return db
    .selectFrom('price_list_items')
    .selectAll()
    .where('price_list_id', '=', priceListId)
    .where('deleted_at', 'is', null)
    .$if(page.afterId !== undefined, (q) => q.where('id', '>', page.afterId!))
    .orderBy('id')
    .limit(page.limit)
    .execute();
}

/** A live item of the price list; `lock`: FOR NO KEY UPDATE, for an update that follows (db/update-row.ts). */
export function findPriceListItem(
  db: Db,
  priceListId: number,
  id: number,
  opts: { lock?: boolean } = {},
) {
  return db
    .selectFrom('price_list_items')
    .selectAll()
    .where('id', '=', id)
    .where('price_list_id', '=', priceListId)
    .where('deleted_at', 'is', null)
    .$if(opts.lock === true, (q) => q.forNoKeyUpdate())
    .executeTakeFirst();
}

export function insertPriceListItem(db: Db, row: Insertable<PriceListItemsTable>) {
  return db.insertInto('price_list_items').values(row).returningAll().executeTakeFirstOrThrow();
}

export function updatePriceListItem(db: Db, id: number, set: Updateable<PriceListItemsTable>) {
  return updateRowById(db, 'price_list_items', id, set);
}

/** Items of active, undeleted price lists for these products, for the price resolver. */
export async function priceCandidates(
  db: Db,
  productIds: readonly number[],
): Promise<Map<number, PriceCandidate[]>> {
  const out = new Map<number, PriceCandidate[]>();
  if (productIds.length === 0) return out;
  // A fixed text whatever the number of products (an array, not an IN list): one prepared
  // statement on the order hot path, and no query-builder work per order.
  const { rows } = await sql<PriceCandidateRow>`
    SELECT i.id, i.product_id, i.price_list_id, l.name AS list_name, i.customer_group,
           i.min_quantity, i.unit_price, i.valid_from, i.valid_to
    FROM price_list_items i JOIN price_lists l ON l.id = i.price_list_id
    WHERE i.product_id = ANY(${[...productIds]}::bigint[])
      AND i.deleted_at IS NULL AND l.deleted_at IS NULL AND l.active`.execute(db);
  return groupCandidates(rows);
}

/** A price-list item as priceCandidates reads it. */
export interface PriceCandidateRow {
  id: number;
  product_id: number;
  price_list_id: number;
  list_name: string;
  customer_group: string | null;
  min_quantity: number;
  unit_price: string;
  valid_from: Date | null;
  valid_to: Date | null;
}

/** Candidate rows by product id. */
export function groupCandidates(rows: readonly PriceCandidateRow[]): Map<number, PriceCandidate[]> {
  const out = new Map<number, PriceCandidate[]>();
  for (const r of rows) {
    const list = out.get(r.product_id) ?? [];
    list.push({
      id: r.id,
      priceListId: r.price_list_id,
      priceListName: r.list_name,
      customerGroup: r.customer_group,
      minQuantity: r.min_quantity,
      unitPrice: r.unit_price,
      validFrom: r.valid_from,
      validTo: r.valid_to,
    });
    out.set(r.product_id, list);
  }
  return out;
}

/**
 * Customer features as they stood at the end of a given day (the "as-of" day), for one day or
 * several, in one SQL statement over the warehouse's core tables: nothing that happened later may
 * leak in, or a churn tree learns from the future it is meant to predict.
 *
 * This file is the public API and the reading of the statement's result into typed arrays
 * (doubleColumn says why). What counts on a day, how the statement is built — the orders touched
 * after the day, one pass for several days, the category mix — and what it measured are in
 * as-of-features-sql.ts, beside the SQL.
 */
import duckdb from '@duckdb/node-bindings';
import type { DuckDBConnection, DuckDBDataChunk } from '@duckdb/node-api';
import type { FeatureSpec } from './cart.ts';
import { addDays } from './days.ts';
import { BASE_FEATURES, featuresSql, mixRelationSql, sqlInt } from './as-of-features-sql.ts';

/** A root product category (the first id of dim_products.category_path). */
export interface CategoryRef {
  id: number;
  name: string;
}

/** Which features to build. */
export interface CustomerFeatureOptions {
  /** The as-of day, YYYY-MM-DD (inclusive). */
  asOf: string;
  /** The mix's categories: these, or the top `n` by spend in the mix window up to the as-of day. */
  mix: { categories: readonly CategoryRef[] } | { top: number };
  /** Days up to the as-of day the category mix covers (365). */
  mixWindowDays?: number;
  /** A category outside the mix to add the share and days-since features of (propensity). */
  focusCategory?: CategoryRef;
}

/** The same features as of several days, from one statement. */
export interface CustomerFeatureDaysOptions extends Omit<CustomerFeatureOptions, 'asOf'> {
  /** The as-of days, YYYY-MM-DD; `mix` picks the categories on the first, kept for the others. */
  days: readonly string[];
}

/** One row per customer with at least one order that counted by the as-of day. */
export interface CustomerFeatures {
  asOf: string;
  /** The categories of the share features, in their order. */
  mixCategories: CategoryRef[];
  customerIds: number[];
  customerCodes: string[];
  /** Soft-deleted now (dim_customers.is_deleted). */
  deleted: boolean[];
  features: FeatureSpec[];
  /** One column per feature; NaN where a feature has no value (see each feature's SQL in as-of-features-sql.ts). */
  columns: Float64Array[];
}

/** The latest day with a revenue order (YYYY-MM-DD), or null when there is none. */
export async function latestOrderDay(conn: DuckDBConnection): Promise<string | null> {
  const r = await conn.runAndReadAll(
    'SELECT CAST(max(order_date) AS VARCHAR) AS d FROM core.fct_orders WHERE is_revenue',
  );
  return (r.getRowObjectsJS()[0]?.d as string | null) ?? null;
}

/** The root category with this name (case-insensitive), or null. */
export async function rootCategoryNamed(
  conn: DuckDBConnection,
  name: string,
): Promise<CategoryRef | null> {
  const r = await conn.runAndReadAll(
    `SELECT CAST(category_id AS DOUBLE) AS id, category_name AS name
     FROM staging.stg_product_categories
     WHERE parent_category_id IS NULL AND lower(category_name) = lower($1)
     ORDER BY category_id LIMIT 1`,
    [name],
  );
  const row = r.getRowObjectsJS()[0];
  return row ? { id: row.id as number, name: row.name as string } : null;
}

/** Names of categories by id, in the ids' order. */
async function categoryRefs(
  conn: DuckDBConnection,
  ids: readonly number[],
): Promise<CategoryRef[]> {
  if (ids.length === 0) return [];
  const r = await conn.runAndReadAll(
    `SELECT CAST(category_id AS DOUBLE) AS id, category_name AS name
     FROM staging.stg_product_categories WHERE category_id IN (${ids.map(sqlInt).join(', ')})`,
  );
  const names = new Map(r.getRowObjectsJS().map((row) => [row.id as number, row.name as string]));
  return ids.map((id) => ({ id, name: names.get(id) ?? `category ${id}` }));
}

/**
 * A DOUBLE column of a result as one Float64Array, NULL as NaN, copied from DuckDB's vectors
 * rather than converted value by value. Measured reason: reading the two days' ~40 columns of
 * 100,000 customers as JS values and then into Float64Arrays took ~0.9 s; this takes ~20 ms.
 * (Each chunk is fetched once by the caller: fetching a materialized result's chunk copies it.)
 * customer-features.ts reads the clustering's columns with it too.
 */
export function doubleColumn(chunks: readonly DuckDBDataChunk[], index: number): Float64Array {
  const out = new Float64Array(chunks.reduce((n, chunk) => n + chunk.rowCount, 0));
  let at = 0;
  for (const chunk of chunks) {
    const rows = chunk.rowCount;
    const vector = duckdb.data_chunk_get_vector(chunk.chunk, index);
    const bytes = duckdb.vector_get_data(vector, rows * 8);
    out.set(
      new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + rows * 8)),
      at,
    );
    // DuckDB's validity mask: bit i % 8 of byte i / 8 is set when row i has a value (null: all).
    const valid = duckdb.vector_get_validity(vector, ((rows + 63) >> 6) * 8);
    if (valid)
      for (let i = 0; i < rows; i++) if (!((valid[i >> 3]! >> (i & 7)) & 1)) out[at + i] = NaN;
    at += rows;
  }
  return out;
}

/** A column of another type as JS values (ids, codes, flags: one column each, not ~40). */
export function valueColumn<T>(chunks: readonly DuckDBDataChunk[], index: number): T[] {
  const out: T[] = [];
  for (const chunk of chunks) {
    const vector = chunk.getColumnVector(index);
    for (let i = 0; i < vector.itemCount; i++) out.push(vector.getItem(i) as T);
  }
  return out;
}

/** The values of `column` at `rows` (a loop: Float64Array.from with a map took ~5× as long). */
function pickRows(column: Float64Array, rows: readonly number[]): Float64Array {
  const out = new Float64Array(rows.length);
  for (let r = 0; r < rows.length; r++) out[r] = column[rows[r]!]!;
  return out;
}

/**
 * The features of every customer with an order that counted by each of `options.days`, from one
 * statement: element k is as of days[k]. The mix (given, or the top ones by spend) is that of
 * the first day for all of them.
 */
export async function customerFeaturesAsOfDays(
  conn: DuckDBConnection,
  options: CustomerFeatureDaysOptions,
): Promise<CustomerFeatures[]> {
  const { days } = options;
  if (days.length === 0) return [];
  for (const day of days) addDays(day, 0); // 422 unless a real day
  const window = options.mixWindowDays ?? 365;
  if (!Number.isInteger(window) || window < 1)
    throw new RangeError('mixWindowDays must be a whole number ≥ 1');
  const given = 'categories' in options.mix ? options.mix.categories.map((c) => c.id) : null;
  const slots = given ? given.length : 'top' in options.mix ? Math.max(0, options.mix.top) : 0;
  const focus = options.focusCategory;
  const mixSql = mixRelationSql(given, slots);
  const result = await conn.run(featuresSql({ days, window, mixSql, slots, focus }), [...days]);
  // The mix's ids are known only after the query when it picks the top ones, so the mix
  // features are named by slot in SQL and by category once the ids are back.
  const names = result.columnNames();
  const chunks = Array.from({ length: result.chunkCount }, (_, c) => result.getChunk(c));
  const column = (name: string) => doubleColumn(chunks, names.indexOf(name));
  const mixValue = chunks[0]?.rowCount ? chunks[0].getColumnVector(3).getItem(0) : null;
  const mixIds = ((mixValue as { items?: number[] } | null)?.items ?? []).slice(0, slots);
  const mixCategories = given
    ? [...(options.mix as { categories: readonly CategoryRef[] }).categories]
    : await categoryRefs(conn, mixIds);
  const ids = Array.from(doubleColumn(chunks, 0));
  const codes = valueColumn<string>(chunks, 1);
  const deleted = valueColumn<boolean>(chunks, 2);
  const withFocus = focus && !mixCategories.some((c) => c.id === focus.id);
  return days.map((asOf, d) => {
    const k = d + 1;
    // The customers whose orders counted by this day (the row holds every day's).
    const orders = column(`orders_${k}`);
    const rows: number[] = [];
    for (let i = 0; i < orders.length; i++) if (orders[i]! > 0) rows.push(i);
    const features: FeatureSpec[] = [];
    const columns: Float64Array[] = [];
    const add = (spec: FeatureSpec, name: string) => {
      const all = column(`${name}_${k}`);
      features.push(spec);
      columns.push(pickRows(all, rows));
    };
    for (const { name, label, decimals } of BASE_FEATURES) add({ name, label, decimals }, name);
    const share = (c: CategoryRef): FeatureSpec => ({
      name: `share_category_${c.id}`,
      label: `share ${c.name}`,
      decimals: 2,
    });
    const since = (c: CategoryRef): FeatureSpec => ({
      name: `days_since_category_${c.id}`,
      label: `days since ${c.name}`,
      decimals: 0,
    });
    mixCategories.forEach((c, i) => add(share(c), `mix_${i + 1}`));
    if (withFocus) add(share(focus), 'focus_share');
    mixCategories.forEach((c, i) => add(since(c), `since_${i + 1}`));
    if (withFocus) add(since(focus), 'focus_days_since');
    return {
      asOf,
      mixCategories: [...mixCategories],
      customerIds: rows.map((i) => ids[i]!),
      customerCodes: rows.map((i) => codes[i]!),
      deleted: rows.map((i) => deleted[i]!),
      features,
      columns,
    };
  });
}

/** The features of every customer with an order that counted by `options.asOf`. */
export async function customerFeaturesAsOf(
  conn: DuckDBConnection,
  options: CustomerFeatureOptions,
): Promise<CustomerFeatures> {
  const { asOf, ...rest } = options;
  const [features] = await customerFeaturesAsOfDays(conn, { ...rest, days: [asOf] });
  return features!;
}

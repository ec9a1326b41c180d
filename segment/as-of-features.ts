/**
 * Customer features as they stood at the end of a given day (the "as-of" day), in one SQL
 * statement over the warehouse's core tables: nothing that happened later may leak in, or a
 * churn tree learns from the future it is meant to predict.
 *
 * "As they stood" is stricter than "ordered by then": an order counts on day D when it was
 * placed by D, had been confirmed by D (a draft or an order awaiting approval is not an order
 * yet) and had not been cancelled by D; its value is what it was on D — the lines net of
 * discount, less only what had been returned by D (fct_orders' revenue nets every return,
 * whenever it came). fct_orders has no event times, so they come from staging.stg_orders; a row
 * written without them (imports) counts the event on the order day, the earliest it can be.
 *
 * Done naively (every order joined to its events) this cost 8 s at 100,000 customers (13 M
 * lines). Only the orders placed by D with an event after D — the "touched" ones, a few
 * thousand — can differ from their current state, so the others are read as they are (revenue
 * orders, their totals) and only the touched ones are recomputed.
 *
 * The category mix — each customer's share of spend per root category, and how many root
 * categories they bought — covers the `mixWindowDays` (365) up to D: what a customer buys now,
 * and a bounded scan of the order lines however long the history is.
 *
 * An order's value is its total in cents as fct_orders has it (subtotal − discount − returned,
 * which the API rounds per order), so a return after D leaves the value on D exactly as it was;
 * the category mix sums the exact line values. Money is DECIMAL in the warehouse; these are
 * statistics, so they come out as DOUBLE (the rules show money thresholds in whole units).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { FeatureSpec } from './cart.ts';
import { addDays } from './days.ts';

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
  /** One column per feature; NaN where a feature has no value (see each feature's SQL). */
  columns: Float64Array[];
}

/** An id or count we put into SQL text: it must be a plain integer. */
function sqlInt(n: number): string {
  if (!Number.isSafeInteger(n)) throw new RangeError(`not an integer: ${n}`);
  return String(n);
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

/** A feature and the SQL of its value over the final SELECT's relations. */
type FeatureSql = FeatureSpec & { sql: string };

/** The features of every customer with an order that counted by `options.asOf`. */
export async function customerFeaturesAsOf(
  conn: DuckDBConnection,
  options: CustomerFeatureOptions,
): Promise<CustomerFeatures> {
  addDays(options.asOf, 0); // 422 unless a real day
  const window = options.mixWindowDays ?? 365;
  if (!Number.isInteger(window) || window < 1)
    throw new RangeError('mixWindowDays must be a whole number ≥ 1');
  const given = 'categories' in options.mix ? options.mix.categories.map((c) => c.id) : null;
  const slots = given ? given.length : 'top' in options.mix ? Math.max(0, options.mix.top) : 0;
  const focus = options.focusCategory;
  const mixSql = given
    ? given.length
      ? `SELECT * FROM (VALUES ${given.map((id, i) => `(${sqlInt(id)}, ${i + 1})`).join(', ')}) AS m(root, slot)`
      : 'SELECT NULL::BIGINT AS root, NULL::BIGINT AS slot WHERE false'
    : `SELECT root, row_number() OVER (ORDER BY sum(spend) DESC, root) AS slot
       FROM by_category WHERE root IS NOT NULL GROUP BY root QUALIFY slot <= ${sqlInt(slots)}`;
  const slotColumns = Array.from(
    { length: slots },
    (_, i) =>
      `, sum(b.spend) FILTER (WHERE m.slot = ${i + 1}) AS mix_${i + 1}` +
      `, max(b.last_day) FILTER (WHERE m.slot = ${i + 1}) AS mix_last_${i + 1}`,
  );
  const focusColumns = focus
    ? [
        `, sum(b.spend) FILTER (WHERE b.root = ${sqlInt(focus.id)}) AS focus_spend`,
        `, max(b.last_day) FILTER (WHERE b.root = ${sqlInt(focus.id)}) AS focus_last_day`,
      ]
    : [];
  // The day as constant expressions of $1, never a joined one-row relation: DuckDB pushes
  // constant filters into the scans and plans the small "touched" join with the small side
  // built (a CROSS JOIN of the parameters made it hash 3.3 M orders: 1.8 s of 3.7 s).
  const AS_OF = 'CAST($1 AS DATE)';
  const AFTER = `CAST(${AS_OF} + 1 AS TIMESTAMPTZ)`;
  const MIX_FROM = `${AS_OF} - ${sqlInt(window)}`;
  const sql = `
    WITH touched AS MATERIALIZED (
      SELECT o.order_id,
        coalesce(s.confirmed_at < ${AFTER},
                 o.status IN ('confirmed', 'shipped', 'delivered', 'returned'))
          AND NOT coalesce(s.cancelled_at < ${AFTER}, o.status = 'cancelled') AS live,
        coalesce(s.returned_at < ${AFTER}, true) AS returned_by_then,
        o.subtotal - o.discount_total
          - CASE WHEN coalesce(s.returned_at < ${AFTER}, true) THEN o.returned_total ELSE 0 END
          AS value
      FROM staging.stg_orders AS s
      JOIN core.fct_orders AS o ON o.order_id = s.order_id
      WHERE greatest(s.confirmed_at, s.cancelled_at, s.returned_at) >= ${AFTER}
        AND o.order_date <= ${AS_OF}
    ),
    live AS (
      SELECT o.customer_id, o.order_date,
             CASE WHEN t.order_id IS NULL THEN o.total ELSE t.value END AS value
      FROM core.fct_orders AS o
      LEFT JOIN touched AS t ON t.order_id = o.order_id
      WHERE o.order_date <= ${AS_OF} AND CASE WHEN t.order_id IS NULL THEN o.is_revenue ELSE t.live END
    ),
    per_customer AS (
      SELECT customer_id, count(*) AS orders,
             count(*) FILTER (WHERE order_date > ${AS_OF} - 90) AS orders_90d,
             sum(value) AS revenue, min(order_date) AS first_day, max(order_date) AS last_day
      FROM live
      GROUP BY customer_id
    ),
    -- The root category per product, once per product rather than once per line.
    product_roots AS (
      SELECT product_id, coalesce(category_path[1], category_id) AS root FROM core.dim_products
    ),
    -- Untouched lines as they are, touched ones recomputed: two scans, but the first reads
    -- none of the columns only touched lines need (1.1 s instead of 1.9 s at 6.9 M lines).
    -- Values stay DECIMAL until summed: DuckDB adds doubles in whatever order its threads
    -- finish, and the same data gave sums differing in the last bits from run to run.
    line_values AS (
      SELECT l.customer_id, l.product_id, l.order_date, l.line_revenue AS value
      FROM core.fct_order_lines AS l
      ANTI JOIN touched AS t ON t.order_id = l.order_id
      WHERE l.order_date <= ${AS_OF} AND l.order_date > ${MIX_FROM} AND l.is_revenue
      UNION ALL
      SELECT l.customer_id, l.product_id, l.order_date,
             l.line_gross - l.line_discount
               - CASE WHEN t.returned_by_then THEN l.line_returned ELSE 0 END
      FROM core.fct_order_lines AS l
      JOIN touched AS t ON t.order_id = l.order_id
      WHERE t.live AND l.order_date > ${MIX_FROM}
    ),
    by_category AS (
      SELECT v.customer_id, d.root, sum(v.value) AS spend, max(v.order_date) AS last_day
      FROM line_values AS v
      LEFT JOIN product_roots AS d ON d.product_id = v.product_id
      GROUP BY v.customer_id, d.root
    ),
    m AS (${mixSql}),
    mix AS (
      SELECT b.customer_id, sum(b.spend) AS window_spend,
             count(*) FILTER (WHERE b.spend > 0 AND b.root IS NOT NULL) AS categories
             ${[...slotColumns, ...focusColumns].join('\n             ')}
      FROM by_category AS b LEFT JOIN m ON m.root = b.root
      GROUP BY b.customer_id
    ),
    activity AS (
      SELECT customer_id, count(*) AS activities_90d
      FROM core.fct_activities
      WHERE done_date <= ${AS_OF} AND done_date > ${AS_OF} - 90 AND customer_id IS NOT NULL
      GROUP BY customer_id
    )
    SELECT CAST(o.customer_id AS DOUBLE) AS customer_id, c.customer_code, c.is_deleted,
           (SELECT list(CAST(root AS DOUBLE) ORDER BY slot) FROM m) AS mix_ids,
           ${'{features}'}
    FROM per_customer AS o
    JOIN core.dim_customers AS c ON c.customer_id = o.customer_id
    LEFT JOIN mix AS x ON x.customer_id = o.customer_id
    LEFT JOIN activity AS a ON a.customer_id = o.customer_id
    ORDER BY o.customer_id`;

  // The mix's ids are known only after the query when it picks the top ones, so the mix
  // features are named by slot in SQL and by category once the ids are back.
  const specs: FeatureSql[] = [
    { name: 'recency_days', label: 'recency', decimals: 0, sql: `${AS_OF} - o.last_day` },
    { name: 'orders', label: 'orders', decimals: 0, sql: 'o.orders' },
    { name: 'orders_90d', label: 'orders 90d', decimals: 0, sql: 'o.orders_90d' },
    { name: 'revenue', label: 'revenue', decimals: 0, sql: 'o.revenue' },
    { name: 'tenure_days', label: 'tenure', decimals: 0, sql: `${AS_OF} - o.first_day` },
    { name: 'average_order_value', label: 'avg order', decimals: 0, sql: 'o.revenue / o.orders' },
    {
      // Undefined (NaN) for a one-order customer: there is no gap yet.
      name: 'days_between_orders',
      label: 'days between orders',
      decimals: 0,
      sql: 'CASE WHEN o.orders > 1 THEN (o.last_day - o.first_day) / (o.orders - 1) END',
    },
    {
      name: 'activities_90d',
      label: 'activities 90d',
      decimals: 0,
      sql: 'coalesce(a.activities_90d, 0)',
    },
    { name: 'categories', label: 'categories', decimals: 0, sql: 'coalesce(x.categories, 0)' },
  ];
  // Per mix slot: the share of the window's spend (NaN when nothing was spent in the window: no
  // mix to speak of), and the days since the category was last bought (NaN: not in the window).
  const slotSql = Array.from({ length: slots }, (_, i) => [
    `CAST(coalesce(x.mix_${i + 1}, 0) / nullif(x.window_spend, 0) AS DOUBLE) AS mix_${i + 1}`,
    `CAST(${AS_OF} - x.mix_last_${i + 1} AS DOUBLE) AS since_${i + 1}`,
  ]).flat();
  const r = await conn.runAndReadAll(
    sql.replace(
      '{features}',
      [...specs.map((s) => `CAST(${s.sql} AS DOUBLE) AS "${s.name}"`), ...slotSql].join(
        ',\n           ',
      ) +
        (focus
          ? `, CAST(coalesce(x.focus_spend, 0) / nullif(x.window_spend, 0) AS DOUBLE) AS focus_share,
             CAST(${AS_OF} - x.focus_last_day AS DOUBLE) AS focus_days_since`
          : ''),
    ),
    [options.asOf],
  );
  const cols = r.getColumnsObjectJS();
  const mixIds = ((cols.mix_ids?.[0] as number[] | null) ?? []).slice(0, slots);
  const mixCategories = given
    ? [...(options.mix as { categories: readonly CategoryRef[] }).categories]
    : await categoryRefs(conn, mixIds);
  const out: FeatureSpec[] = [];
  const columns: Float64Array[] = [];
  const add = (spec: FeatureSpec, column: string) => {
    out.push(spec);
    columns.push(Float64Array.from((cols[column] ?? []) as (number | null)[], (v) => v ?? NaN));
  };
  for (const { name, label, decimals } of specs) add({ name, label, decimals }, name);
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
  if (focus && !mixCategories.some((c) => c.id === focus.id)) add(share(focus), 'focus_share');
  mixCategories.forEach((c, i) => add(since(c), `since_${i + 1}`));
  if (focus && !mixCategories.some((c) => c.id === focus.id)) add(since(focus), 'focus_days_since');
  return {
    asOf: options.asOf,
    mixCategories,
    customerIds: (cols.customer_id ?? []) as number[],
    customerCodes: (cols.customer_code ?? []) as string[],
    deleted: (cols.is_deleted ?? []) as boolean[],
    features: out,
    columns,
  };
}

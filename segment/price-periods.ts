/**
 * The list-price periods of every active product, read from the warehouse: from the price
 * history (`staging.stg_product_price_history`, one row per list price or cost change), how long
 * each list price was in force while orders were recorded, and what sold at it
 * (`core.fct_order_lines` and `core.fct_orders`, revenue orders only — docs/metrics.md). The
 * price analysis (price-fit.ts) needs nothing else, and nothing here is written back.
 *
 * Demand is counted three ways per period, because the fit needs a measure that moves with the
 * price and not with the calendar (docs/segmentation.md, "Price suggestions"):
 *  - `lines`: order lines of the product — how often it is ordered. An order that lists it twice
 *    counts twice: counting distinct orders instead took 4.5× as long at 12 M lines (2.8 s
 *    against 0.6 s for this step, 512 MB), and the demo never repeats a product within an order;
 *  - `units`: units ordered on those lines (returns not deducted: a return says nothing about the
 *    price asked);
 *  - `marketOrders`: all revenue orders placed in the same span, of any product, so growth and
 *    seasonality can be divided out.
 */
import { BIGINT, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';

/** One span in which a product's list price did not change, clipped to the order history. */
export interface ListPricePeriod {
  /** The list price in force, exact DECIMAL as text ("19.9900"). */
  listPrice: string;
  /** Start and end (exclusive) of the span, epoch milliseconds. */
  fromMs: number;
  toMs: number;
  /** Length of the span in days (fractional when a change was not at midnight). */
  days: number;
  lines: number;
  units: number;
  marketOrders: number;
}

/** A product, its price and cost today, and its list-price periods, oldest first. */
export interface ProductPriceHistory {
  productId: number;
  sku: string;
  name: string;
  categoryId: number | null;
  category: string | null;
  /** Today's list price and cost (`core.dim_products`), exact DECIMAL as text; cost may be unknown. */
  listPrice: string;
  cost: string | null;
  periods: ListPricePeriod[];
}

/** Which products to read; all active ones by default. */
export interface PricePeriodFilter {
  /** Only the products of this category (its name, as `core.dim_products.category_name`). */
  category?: string;
  /** Only the products in the same category as this product (those without one: likewise). */
  categoryOf?: number;
}

/** The products a filter selects ($category, $of: NULL = no condition). */
const PRODUCT_FILTER = `is_active AND NOT is_deleted
  AND ($category IS NULL OR category_name = $category)
  AND ($of IS NULL OR category_id IS NOT DISTINCT FROM
       (SELECT category_id FROM core.dim_products WHERE product_id = $of))`;

/**
 * A list-price period starts at a history row whose list price differs from the row before
 * (a cost-only change does not start one) and ends where the next one starts. Periods are
 * clipped to [first order day, day after the last order day) so a price set years before the
 * data began is not counted as years without sales. Order lines meet their period by a join on
 * the product with the span as a filter (a product has a handful of periods): at 12 M lines that
 * took 0.6 s where an ASOF join took 4.2 s. The market's orders in a span are the difference of
 * a running count at its two ends, so no line is compared with every period.
 */
const PERIODS_SQL = `
WITH orders AS (
  SELECT order_id, ordered_at FROM core.fct_orders WHERE is_revenue
),
bounds AS (
  SELECT date_trunc('day', min(ordered_at)) AS h_from,
         date_trunc('day', max(ordered_at)) + INTERVAL 1 DAY AS h_to
  FROM orders
),
products AS (
  SELECT product_id, sku, product_name, category_id, category_name, list_price, cost
  FROM core.dim_products
  WHERE ${PRODUCT_FILTER}
),
history AS (
  SELECT h.product_id, h.list_price, h.valid_from,
         lag(h.list_price) OVER (PARTITION BY h.product_id ORDER BY h.valid_from, h.price_history_id)
           AS previous_price
  FROM staging.stg_product_price_history AS h
  SEMI JOIN products AS p ON p.product_id = h.product_id
),
starts AS (
  SELECT product_id, list_price, valid_from
  FROM history
  WHERE previous_price IS NULL OR previous_price <> list_price
),
periods AS (
  SELECT product_id, list_price, valid_from AS p_from,
         lead(valid_from) OVER (PARTITION BY product_id ORDER BY valid_from) AS p_to
  FROM starts
),
clipped AS (
  SELECT p.product_id, p.list_price, p.p_from,
         greatest(p.p_from, b.h_from) AS s,
         least(coalesce(p.p_to, b.h_to), b.h_to) AS e
  FROM periods AS p CROSS JOIN bounds AS b
  WHERE least(coalesce(p.p_to, b.h_to), b.h_to) > greatest(p.p_from, b.h_from)
),
sold AS (
  SELECT p.product_id, p.p_from, count(*) AS lines, sum(l.quantity) AS units
  FROM core.fct_order_lines AS l
  JOIN periods AS p ON l.product_id = p.product_id AND l.ordered_at >= p.p_from
   AND (p.p_to IS NULL OR l.ordered_at < p.p_to)
  WHERE l.is_revenue
  GROUP BY ALL
),
market AS (
  SELECT ordered_at, sum(count(*)) OVER (ORDER BY ordered_at) AS placed
  FROM orders
  GROUP BY ordered_at
),
edges AS (
  SELECT DISTINCT t FROM (SELECT s AS t FROM clipped UNION ALL SELECT e FROM clipped)
),
placed_before AS (
  SELECT x.t, coalesce(m.placed, 0) AS placed
  FROM edges AS x ASOF LEFT JOIN market AS m ON m.ordered_at < x.t
)
SELECT
  CAST(c.product_id AS DOUBLE) AS product_id,
  CAST(c.list_price AS VARCHAR) AS list_price,
  CAST(epoch_ms(c.s) AS DOUBLE) AS from_ms,
  CAST(epoch_ms(c.e) AS DOUBLE) AS to_ms,
  CAST(coalesce(sold.lines, 0) AS DOUBLE) AS lines,
  CAST(coalesce(sold.units, 0) AS DOUBLE) AS units,
  CAST(pe.placed - ps.placed AS DOUBLE) AS market_orders
FROM clipped AS c
LEFT JOIN sold ON sold.product_id = c.product_id AND sold.p_from = c.p_from
JOIN placed_before AS ps ON ps.t = c.s
JOIN placed_before AS pe ON pe.t = c.e
ORDER BY c.product_id, c.s`;

const PRODUCTS_SQL = `
SELECT CAST(product_id AS DOUBLE) AS product_id, sku, product_name,
       CAST(category_id AS DOUBLE) AS category_id, category_name,
       CAST(list_price AS VARCHAR) AS list_price, CAST(cost AS VARCHAR) AS cost
FROM core.dim_products
WHERE ${PRODUCT_FILTER}
ORDER BY product_id`;

const DAY_MS = 86_400_000;

/**
 * Every active, non-deleted product (optionally of one category) with its list-price periods.
 * Reads `core.dim_products`, `core.fct_order_lines` and `staging.stg_product_price_history`, so
 * the models must have been built. A product without price history has no periods.
 */
export async function readPricePeriods(
  conn: DuckDBConnection,
  filter: PricePeriodFilter = {},
): Promise<ProductPriceHistory[]> {
  const params = { category: filter.category ?? null, of: filter.categoryOf ?? null };
  const types = { category: VARCHAR, of: BIGINT };
  const productRows = (await conn.runAndReadAll(PRODUCTS_SQL, params, types)).getRowObjectsJS();
  const byId = new Map<number, ProductPriceHistory>();
  const products: ProductPriceHistory[] = [];
  for (const r of productRows) {
    const p: ProductPriceHistory = {
      productId: Number(r.product_id),
      sku: String(r.sku),
      name: String(r.product_name),
      categoryId: r.category_id === null ? null : Number(r.category_id),
      category: r.category_name === null ? null : String(r.category_name),
      listPrice: String(r.list_price),
      cost: r.cost === null ? null : String(r.cost),
      periods: [],
    };
    byId.set(p.productId, p);
    products.push(p);
  }
  const periodRows = (await conn.runAndReadAll(PERIODS_SQL, params, types)).getRowObjectsJS();
  for (const r of periodRows) {
    const fromMs = Number(r.from_ms);
    const toMs = Number(r.to_ms);
    byId.get(Number(r.product_id))?.periods.push({
      listPrice: String(r.list_price),
      fromMs,
      toMs,
      days: (toMs - fromMs) / DAY_MS,
      lines: Number(r.lines),
      units: Number(r.units),
      marketOrders: Number(r.market_orders),
    });
  }
  return products;
}

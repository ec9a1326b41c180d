/**
 * A synthetic warehouse of the demo's shape for the segmentation benchmark (bench/segment.ts),
 * written straight into DuckDB (loading millions of demo orders through PostgreSQL would take
 * most of an hour): the core and staging tables segment/ reads, with only the columns it uses;
 * customers behaving like db/demo/people.ts's segments (loyal, occasional, lapsing, new,
 * big-ticket) at ~40 orders each over two years, 1–6 lines per order, 3 % cancelled, 3.5 %
 * returned, 5 activities per customer; 200 products in 8 root categories, each with 2–4
 * list-price changes at least 60 days apart, as db/demo/catalog.ts makes them (the lines pick
 * products without regard to price: the price fits come out flat, which only their time is
 * measured for); and `marts.mart_customer_value` built by its own model file. Seeded and
 * written on one DuckDB thread (random() on several threads draws in whatever order they run),
 * so a size gives the same data every time.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { compileModel } from '../models/engine/compile.ts';
import { loadProject } from '../models/engine/project.ts';

/**
 * Write the synthetic warehouse into the empty DuckDB database behind `c`, its orders ending on
 * the day `end` (YYYY-MM-DD).
 */
export async function writeSyntheticCustomers(
  c: DuckDBConnection,
  customers: number,
  end: string,
): Promise<void> {
  const threads = (await c.runAndReadAll(`SELECT current_setting('threads')`)).getRows()[0]![0];
  await c.run(`SET TimeZone = 'UTC'; SET threads = 1; SELECT setseed(0.42)`);
  await c.run(`CREATE SCHEMA core; CREATE SCHEMA staging`);
  await c.run(`CREATE TABLE staging.stg_product_categories AS
    SELECT i AS category_id, 'Category ' || i AS category_name, NULL::BIGINT AS parent_category_id
    FROM range(1, 9) t(i)`);
  await c.run(`CREATE TABLE core.dim_products AS
    SELECT i AS product_id, 1 + i % 8 AS category_id, [1 + i % 8]::BIGINT[] AS category_path
    FROM range(1, 201) t(i)`);
  // Segment mix and order rate as db/demo/people.ts; ~0.1 orders per unit of rate per day
  // gives the demo's ~40 orders per customer.
  await c.run(`CREATE TABLE seg AS
    WITH s AS (SELECT i, random() AS h, random() AS r1, random() AS r2 FROM range(1, ${customers + 1}) t(i))
    SELECT i AS customer_id,
      CASE WHEN h < 0.35 THEN 'loyal' WHEN h < 0.60 THEN 'occasional' WHEN h < 0.75 THEN 'lapsing'
           WHEN h < 0.90 THEN 'new' ELSE 'big_ticket' END AS segment,
      DATE '${end}' - 730 + CAST(r1 * 60 AS INTEGER) AS active_from_all,
      r2 AS r2
    FROM s`);
  await c.run(`CREATE TABLE spans AS
    SELECT customer_id, segment,
      CASE WHEN segment = 'new' THEN DATE '${end}' - CAST(7 + r2 * 173 AS INTEGER) ELSE active_from_all END AS active_from,
      CASE WHEN segment = 'lapsing' THEN DATE '${end}' - CAST(90 + r2 * 180 AS INTEGER) ELSE DATE '${end}' END AS active_to,
      CASE segment WHEN 'loyal' THEN 1 WHEN 'occasional' THEN 0.2 WHEN 'lapsing' THEN 1
                   WHEN 'new' THEN 1.3 ELSE 0.12 END * (0.5 + random()) AS rate
    FROM seg`);
  await c.run(`CREATE TABLE core.dim_customers AS
    SELECT customer_id, 'C' || lpad(customer_id::VARCHAR, 6, '0') AS customer_code,
      'Customer ' || customer_id AS customer_name, 'DE' AS country, 'retail' AS customer_group,
      NULL::BIGINT AS owner_rep_id, NULL::BIGINT AS owner_team_id, false AS is_deleted
    FROM spans`);
  await c.run(`CREATE TABLE orders_base AS
    WITH n AS (
      SELECT customer_id, active_from, active_to,
        CAST(round(0.1 * rate * (active_to - active_from) * (0.5 + random())) AS INTEGER) AS k
      FROM spans WHERE active_to > active_from
    ), o AS (
      SELECT customer_id, active_from + CAST(random() * (active_to - active_from) AS INTEGER) AS order_date,
        random() AS u
      FROM n, range(k) t(j)
    )
    SELECT row_number() OVER (ORDER BY order_date, customer_id) AS order_id, customer_id, order_date,
      CASE WHEN u < 0.03 THEN 'cancelled' WHEN u < 0.065 THEN 'returned' ELSE 'delivered' END AS status,
      u >= 0.03 AS is_revenue
    FROM o ORDER BY order_id`);
  await c.run(`CREATE TABLE staging.stg_orders AS
    SELECT order_id, CAST(order_date AS TIMESTAMPTZ) + INTERVAL 2 HOUR AS confirmed_at,
      CASE WHEN status = 'cancelled' THEN CAST(order_date + 1 AS TIMESTAMPTZ) END AS cancelled_at,
      CASE WHEN status = 'returned' THEN CAST(order_date + 12 AS TIMESTAMPTZ) END AS returned_at
    FROM orders_base`);
  // random() inside a table function's arguments is drawn once per statement, so each order's
  // line count is drawn first, and the lines' own values in the select list (once per row).
  await c.run(`CREATE TABLE order_sizes AS
    SELECT order_id, customer_id, order_date, status, is_revenue,
      1 + CAST(floor(random() * 6) AS INTEGER) AS line_count
    FROM orders_base`);
  await c.run(`CREATE TABLE core.fct_order_lines AS
    WITH l AS (
      SELECT o.*, j, 1 + CAST(floor(random() * 20) AS INTEGER) AS q,
        round(2 + random() * 400, 2) AS price, random() < 0.2 AS discounted,
        1 + CAST(floor(random() * 200) AS INTEGER) AS product_id
      FROM order_sizes AS o, range(o.line_count) t(j)
    )
    SELECT order_id, customer_id, order_date,
      CAST(order_date AS TIMESTAMPTZ) + INTERVAL 10 HOUR AS ordered_at, is_revenue, product_id,
      q AS quantity,
      CAST((q - CASE WHEN status = 'returned' AND j = 0 THEN 1 ELSE 0 END) * price
        * CASE WHEN discounted THEN 0.95 ELSE 1 END AS DECIMAL(38, 8)) AS line_revenue,
      CAST(q * price AS DECIMAL(38, 8)) AS line_gross,
      CAST(CASE WHEN discounted THEN q * price * 0.05 ELSE 0 END AS DECIMAL(38, 8)) AS line_discount,
      CAST(CASE WHEN status = 'returned' AND j = 0 THEN price * CASE WHEN discounted THEN 0.95 ELSE 1 END
        ELSE 0 END AS DECIMAL(38, 8)) AS line_returned,
      q - CASE WHEN status = 'returned' AND j = 0 THEN 1 ELSE 0 END AS net_quantity
    FROM l ORDER BY order_id, j`);
  // The order figures from the lines, as models/core/fct_orders.sql has them.
  await c.run(`CREATE TABLE core.fct_orders AS
    SELECT o.order_id, o.customer_id, o.order_date,
      CAST(o.order_date AS TIMESTAMPTZ) + INTERVAL 10 HOUR AS ordered_at, o.status, o.is_revenue,
      coalesce(l.revenue, 0) AS revenue, CAST(coalesce(l.subtotal, 0) AS DECIMAL(18, 2)) AS subtotal,
      CAST(coalesce(l.discount_total, 0) AS DECIMAL(18, 2)) AS discount_total,
      CAST(coalesce(l.taken - l.discount_total, 0) AS DECIMAL(18, 2)) AS returned_total,
      CAST(coalesce(l.subtotal - l.taken, 0) AS DECIMAL(18, 2)) AS total
    FROM orders_base AS o
    LEFT JOIN (
      SELECT order_id, sum(line_revenue) AS revenue, round(sum(line_gross), 2) AS subtotal,
        round(sum(line_discount), 2) AS discount_total,
        round(sum(line_discount) + sum(line_returned), 2) AS taken
      FROM core.fct_order_lines GROUP BY order_id
    ) AS l ON l.order_id = o.order_id`);
  await c.run(`CREATE TABLE core.fct_activities AS
    SELECT customer_id,
      least(active_to + 30, active_from + CAST(random() * (active_to + 30 - active_from) AS INTEGER)) AS done_date
    FROM spans, range(5) t(j)`);
  await writePriceHistory(c, end);
  // The mart the clustering reads, by the model that builds it (its refs are core's tables).
  const project = loadProject();
  const mart = compileModel(project, project.models.get('mart_customer_value')!, { vars: {} });
  await c.run(`CREATE SCHEMA marts; CREATE TABLE marts.mart_customer_value AS ${mart}`);
  await c.run(
    `DROP TABLE seg; DROP TABLE spans; DROP TABLE order_sizes; DROP TABLE orders_base; CHECKPOINT`,
  );
  await c.run(`SET threads = ${Number(threads)}`);
}

/**
 * Products' list prices and costs as db/demo/catalog.ts draws them: a start price (2–400, log
 * uniform) set 30–300 days before the two years, then 2–4 changes of 6–22 % (65 % of them up),
 * at least 60 days apart; a margin of 25–55 %. core.dim_products gets today's price, cost, names.
 */
async function writePriceHistory(c: DuckDBConnection, end: string): Promise<void> {
  const start = `DATE '${end}' - 730`;
  await c.run(`CREATE TABLE price_products AS
    SELECT product_id, 2 + CAST(floor(random() * 3) AS INTEGER) AS changes,
      0.25 + random() * 0.3 AS margin, 2 * pow(200, random()) AS first_price,
      ${start} - 30 - CAST(floor(random() * 271) AS INTEGER) AS first_day
    FROM core.dim_products ORDER BY product_id`);
  await c.run(`CREATE TABLE price_changes AS
    WITH slots AS (
      SELECT p.*, j, (730 - 30) // changes AS slot FROM price_products AS p, range(4) t(j)
      WHERE j < changes
    )
    SELECT product_id, j + 1 AS k, margin,
      ${start} + CAST(15 + j * slot + floor(random() * (slot - 60)) AS INTEGER) AS day,
      (0.06 + random() * 0.16) * CASE WHEN random() < 0.65 THEN 1 ELSE -1 END AS step
    FROM slots ORDER BY product_id, j`);
  await c.run(`CREATE TABLE staging.stg_product_price_history AS
    WITH periods AS (
      SELECT product_id, 0 AS k, first_day AS day, first_price AS price, margin FROM price_products
      UNION ALL
      SELECT c.product_id, c.k, c.day,
        p.first_price * exp(sum(ln(1 + c.step)) OVER (PARTITION BY c.product_id ORDER BY c.k)),
        c.margin
      FROM price_changes AS c JOIN price_products AS p USING (product_id)
    )
    SELECT row_number() OVER (ORDER BY product_id, k) AS price_history_id, product_id,
      CAST(round(price, 2) AS DECIMAL(14, 4)) AS list_price,
      CAST(round(price * (1 - margin), 2) AS DECIMAL(14, 4)) AS cost,
      CAST(day AS TIMESTAMPTZ) AS valid_from
    FROM periods ORDER BY price_history_id`);
  await c.run(`CREATE OR REPLACE TABLE core.dim_products AS
    SELECT p.product_id, 'SKU-' || lpad(p.product_id::VARCHAR, 4, '0') AS sku,
      'Product ' || p.product_id AS product_name, p.category_id,
      'Category ' || p.category_id AS category_name, NULL::BIGINT AS parent_category_id,
      p.category_path, h.list_price, h.cost, true AS is_active, false AS is_deleted
    FROM core.dim_products AS p
    JOIN (SELECT product_id, arg_max(list_price, valid_from) AS list_price,
                 arg_max(cost, valid_from) AS cost
          FROM staging.stg_product_price_history GROUP BY product_id) AS h USING (product_id)
    ORDER BY p.product_id`);
  await c.run(`DROP TABLE price_products; DROP TABLE price_changes`);
}

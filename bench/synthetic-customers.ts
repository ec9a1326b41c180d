/**
 * A synthetic warehouse of the demo's shape for the segmentation benchmarks, written straight
 * into DuckDB (loading millions of demo orders through PostgreSQL would take most of an hour):
 * the core and staging tables the customer trees read, with only the columns they use;
 * customers behaving like db/demo/people.ts's segments (loyal, occasional, lapsing, new,
 * big-ticket) at ~40 orders each over two years, 1–6 lines per order, 3 % cancelled, 3.5 %
 * returned, 5 activities per customer. Seeded and written on one DuckDB thread (random() on
 * several threads draws in whatever order they run), so a size gives the same data every time.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

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
      false AS is_deleted FROM spans`);
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
    SELECT order_id, customer_id, order_date, is_revenue, product_id,
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
    SELECT o.order_id, o.customer_id, o.order_date, o.status, o.is_revenue,
      coalesce(l.revenue, 0) AS revenue, coalesce(l.subtotal, 0) AS subtotal,
      coalesce(l.discount_total, 0) AS discount_total,
      coalesce(l.taken - l.discount_total, 0) AS returned_total,
      coalesce(l.subtotal - l.taken, 0) AS total
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
  await c.run(
    `DROP TABLE seg; DROP TABLE spans; DROP TABLE order_sizes; DROP TABLE orders_base; CHECKPOINT`,
  );
  await c.run(`SET threads = ${Number(threads)}`);
}

-- @materialized table
-- @tags marts, sales, dashboards
-- @unique_key date_day, dimension, key
-- @description Sales per day, long format: one row per day and dimension value (dimension is
-- @description total, category, product, customer, rep, team or country). Orders are counted
-- @description distinct within each row. Growth is against the previous day of the same key.
-- @column key the id (or country) as text; null when the lines have none (e.g. no rep)
-- @column margin_coverage costed_revenue ÷ revenue: the share of revenue gross_margin covers
-- @column revenue_growth (revenue − previous_revenue) ÷ previous_revenue; null when previous is 0
-- @test unique date_day, dimension, key
-- @test not_null date_day, dimension, revenue, orders
-- @test accepted_values dimension: total, category, product, customer, rep, team, country
WITH cells AS (
  SELECT
    order_date AS date_day,
    CASE
      WHEN GROUPING(category_id) = 0 THEN 'category'
      WHEN GROUPING(product_id) = 0 THEN 'product'
      WHEN GROUPING(customer_id) = 0 THEN 'customer'
      WHEN GROUPING(rep_id) = 0 THEN 'rep'
      WHEN GROUPING(team_id) = 0 THEN 'team'
      WHEN GROUPING(country) = 0 THEN 'country'
      ELSE 'total'
    END AS dimension,
    -- Outside its own grouping set every other column is NULL, so coalesce picks this set's.
    coalesce(CAST(category_id AS VARCHAR), CAST(product_id AS VARCHAR),
      CAST(customer_id AS VARCHAR), CAST(rep_id AS VARCHAR), CAST(team_id AS VARCHAR), country)
      AS key,
    coalesce(category_name, product_name, customer_name, rep_name, team_name, country) AS label,
    sum(revenue) AS revenue,
    count(DISTINCT order_id) AS orders,
    sum(units) AS units,
    sum(gross_margin) AS gross_margin,
    coalesce(sum(costed_revenue), 0) AS costed_revenue
  FROM {{ ref('mart_sales_lines') }}
  GROUP BY GROUPING SETS (
    (order_date),
    (order_date, category_id, category_name),
    (order_date, product_id, product_name),
    (order_date, customer_id, customer_name),
    (order_date, rep_id, rep_name),
    (order_date, team_id, team_name),
    (order_date, country)
  )
),
keyed AS (
  SELECT * REPLACE (CASE WHEN dimension = 'total' THEN 'all' ELSE key END AS key,
                    CASE WHEN dimension = 'total' THEN 'All sales' ELSE label END AS label)
  FROM cells
)
SELECT
  c.date_day,
  c.dimension,
  c.key,
  c.label,
  c.revenue,
  c.orders,
  c.units,
  CAST(c.revenue / c.orders AS DECIMAL(38, 8)) AS average_order_value,
  c.gross_margin,
  c.costed_revenue,
  CASE WHEN c.revenue <> 0 THEN c.costed_revenue / c.revenue END AS margin_coverage,
  coalesce(p.revenue, 0) AS previous_revenue,
  CASE WHEN coalesce(p.revenue, 0) <> 0 THEN (c.revenue - p.revenue) / p.revenue END
    AS revenue_growth
FROM keyed AS c
LEFT JOIN keyed AS p
  ON p.dimension = c.dimension AND p.key IS NOT DISTINCT FROM c.key
  AND p.date_day = c.date_day - 1

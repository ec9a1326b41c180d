-- @materialized table
-- @tags marts, sales, dashboards
-- @unique_key month_start, dimension, key
-- @description Sales per month, same long format as mart_sales_daily, summed from it: every order
-- @description falls on one day, so distinct orders per day add up to distinct orders per month.
-- @description Growth is against the previous calendar month of the same key.
-- @test unique month_start, dimension, key
-- @test not_null month_start, dimension, revenue, orders
WITH cells AS (
  SELECT
    CAST(date_trunc('month', date_day) AS DATE) AS month_start,
    dimension,
    key,
    any_value(label) AS label,
    sum(revenue) AS revenue,
    sum(orders) AS orders,
    sum(units) AS units,
    sum(gross_margin) AS gross_margin,
    sum(costed_revenue) AS costed_revenue
  FROM {{ ref('mart_sales_daily') }}
  GROUP BY ALL
)
SELECT
  c.month_start,
  strftime(c.month_start, '%Y-%m') AS month_label,
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
FROM cells AS c
LEFT JOIN cells AS p
  ON p.dimension = c.dimension AND p.key IS NOT DISTINCT FROM c.key
  AND p.month_start = CAST(c.month_start - INTERVAL 1 MONTH AS DATE)

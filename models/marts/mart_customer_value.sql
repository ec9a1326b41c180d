-- @materialized table
-- @tags marts, crm, dashboards
-- @unique_key customer_id
-- @description One row per customer: first and last revenue order, orders, revenue, average
-- @description order value, tenure and recency against the as-of date (the day after the latest
-- @description revenue order, as docs/metrics.md defines it), and RFM scores (ntile 5, 5 is
-- @description best, ties broken by customer code) for customers with at least one revenue order.
-- @column tenure_days as_of_date − first_order_date
-- @column days_since_last_order as_of_date − last_order_date (recency)
-- @test unique customer_id
-- @test not_null customer_id, orders, revenue
-- @test accepted_values recency_score: 1, 2, 3, 4, 5
WITH orders AS (
  SELECT
    customer_id,
    min(order_date) AS first_order_date,
    max(order_date) AS last_order_date,
    count(*) AS orders,
    sum(revenue) AS revenue
  FROM {{ ref('fct_orders') }}
  WHERE is_revenue
  GROUP BY customer_id
),
as_of AS (
  SELECT max(order_date) + 1 AS as_of_date FROM {{ ref('fct_orders') }} WHERE is_revenue
),
scored AS (
  SELECT
    o.*,
    ntile(5) OVER (ORDER BY o.last_order_date, c.customer_code) AS recency_score,
    ntile(5) OVER (ORDER BY o.orders, c.customer_code) AS frequency_score,
    ntile(5) OVER (ORDER BY o.revenue, c.customer_code) AS monetary_score
  FROM orders AS o
  JOIN {{ ref('dim_customers') }} AS c ON c.customer_id = o.customer_id
)
SELECT
  c.customer_id,
  c.customer_code,
  c.customer_name,
  c.country,
  c.customer_group,
  c.owner_rep_id,
  c.owner_team_id,
  c.is_deleted,
  s.first_order_date,
  s.last_order_date,
  coalesce(s.orders, 0) AS orders,
  coalesce(s.revenue, 0) AS revenue,
  CAST(s.revenue / s.orders AS DECIMAL(38, 8)) AS average_order_value,
  a.as_of_date,
  a.as_of_date - s.first_order_date AS tenure_days,
  a.as_of_date - s.last_order_date AS days_since_last_order,
  s.recency_score,
  s.frequency_score,
  s.monetary_score
FROM {{ ref('dim_customers') }} AS c
LEFT JOIN scored AS s ON s.customer_id = c.customer_id
CROSS JOIN as_of AS a

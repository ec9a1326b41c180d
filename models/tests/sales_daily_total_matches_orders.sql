-- @description The daily mart's total row of each day equals the revenue and order count of
-- @description that day's revenue orders in fct_orders.
SELECT coalesce(d.date_day, o.order_date) AS day, d.revenue AS mart_revenue, o.revenue AS order_revenue,
       d.orders AS mart_orders, o.orders AS order_count
FROM (SELECT date_day, revenue, orders FROM {{ ref('mart_sales_daily') }} WHERE dimension = 'total') AS d
FULL OUTER JOIN (
  SELECT order_date, sum(revenue) AS revenue, count(*) AS orders
  FROM {{ ref('fct_orders') }} WHERE is_revenue AND line_count > 0 GROUP BY order_date
) AS o ON o.order_date = d.date_day
WHERE d.revenue IS DISTINCT FROM o.revenue OR d.orders IS DISTINCT FROM o.orders

-- @description Σ revenue of revenue orders equals Σ line revenue of their lines, exactly.
-- Returns one row when they differ.
SELECT o.revenue AS order_revenue, l.revenue AS line_revenue
FROM (SELECT coalesce(sum(revenue), 0) AS revenue FROM {{ ref('fct_orders') }} WHERE is_revenue) AS o,
     (SELECT coalesce(sum(line_revenue), 0) AS revenue FROM {{ ref('fct_order_lines') }} WHERE is_revenue) AS l
WHERE o.revenue <> l.revenue

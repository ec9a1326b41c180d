-- @materialized table
-- @tags marts, sales, reports
-- @unique_key order_line_id
-- @description One row per line of a revenue order (docs/metrics.md) with every dimension the sales
-- @description report slices by. Orders are not additive across products, so the report counts
-- @description distinct order_id here instead of summing a pre-aggregated table.
-- @column revenue line revenue, exact DECIMAL(38,8)
-- @description Each dimension carries its business key beside its name (customer_code, sku,
-- @description rep_code): two customers may share a name, never a code. Teams and categories
-- @description have no code in the operational schema, so they have none here.
-- @column units quantity net of returns
-- @column costed_revenue revenue of the line when its unit cost is known, else null
-- @column gross_margin net quantity × (net unit price − unit cost); null when the cost is unknown, so Σ gross_margin ÷ Σ costed_revenue is the gross margin % over the costed lines
-- @column customer_code the customer's code (customers.code), the key people use
-- @column rep_code the rep's code (sales_reps.code); null when the order has no rep
-- @column sku the product's SKU
-- @column category_path category ids from the root to the product's category
-- @test unique order_line_id
-- @test not_null order_line_id, order_id, order_date, revenue, units
SELECT
  l.order_line_id,
  l.order_id,
  l.order_number,
  l.order_date,
  CAST(date_trunc('month', l.order_date) AS DATE) AS order_month,
  year(l.order_date) AS order_year,
  l.product_id,
  p.sku,
  p.product_name,
  p.category_id,
  p.category_name,
  p.category_path,
  l.customer_id,
  c.customer_code,
  c.customer_name,
  c.country,
  l.rep_id,
  r.rep_code,
  r.rep_name,
  r.team_id,
  r.team_name,
  l.net_quantity AS units,
  l.line_revenue AS revenue,
  CASE WHEN l.unit_cost IS NOT NULL THEN l.line_revenue END AS costed_revenue,
  l.line_margin AS gross_margin
FROM {{ ref('fct_order_lines') }} AS l
LEFT JOIN {{ ref('dim_products') }} AS p ON p.product_id = l.product_id
LEFT JOIN {{ ref('dim_customers') }} AS c ON c.customer_id = l.customer_id
LEFT JOIN {{ ref('dim_reps') }} AS r ON r.rep_id = l.rep_id
WHERE l.is_revenue

-- @materialized table
-- @tags core, sales
-- @unique_key order_line_id
-- @description One row per order line of every non-deleted order, with the revenue and margin
-- @description of the line as docs/metrics.md defines them, exact DECIMAL (never rounded here).
-- @column is_revenue the order's status is not draft, pending_approval or cancelled
-- @column order_date ordered_at as a date in the configured time zone
-- @column net_quantity quantity − returned_quantity
-- @column line_revenue net_quantity × unit_price × (1 − discount), DECIMAL(38,8)
-- @column line_margin net_quantity × (unit_price × (1 − discount) − unit_cost); null when the cost is unknown
-- @column line_gross quantity × unit_price, DECIMAL(38,8) (returns not deducted)
-- @column line_discount quantity × unit_price × discount, DECIMAL(38,8)
-- @column line_returned returned_quantity × unit_price × (1 − discount), DECIMAL(38,8)
-- @test unique order_line_id
-- @test not_null order_line_id, order_id, product_id, customer_id, order_date, line_revenue
-- @test relationships rep_id -> dim_reps.rep_id
-- @test relationships product_id -> dim_products.product_id
-- @test relationships customer_id -> dim_customers.customer_id
-- @test expression net_quantity >= 0
SELECT
  l.order_line_id,
  l.order_id,
  o.order_number,
  l.line_no,
  l.product_id,
  o.customer_id,
  o.rep_id,
  r.team_id,
  o.warehouse_id,
  o.status AS order_status,
  o.status NOT IN ('draft', 'pending_approval', 'cancelled') AS is_revenue,
  o.ordered_at,
  CAST(timezone({{ var('timezone') }}, o.ordered_at) AS DATE) AS order_date,
  l.quantity,
  l.returned_quantity,
  l.quantity - l.returned_quantity AS net_quantity,
  l.unit_price,
  l.discount,
  l.unit_cost,
  -- DECIMAL(38,…) from the first factor on, so a large line can never overflow int64 decimals.
  CAST(CAST(l.quantity - l.returned_quantity AS DECIMAL(38, 0)) * l.unit_price * (1 - l.discount)
    AS DECIMAL(38, 8)) AS line_revenue,
  CAST(CAST(l.quantity - l.returned_quantity AS DECIMAL(38, 0))
    * (l.unit_price * (1 - l.discount) - l.unit_cost) AS DECIMAL(38, 8)) AS line_margin,
  -- The exact sums the order's money figures are rounded from (docs/api.md, "Money").
  CAST(CAST(l.quantity AS DECIMAL(38, 0)) * l.unit_price AS DECIMAL(38, 8)) AS line_gross,
  CAST(CAST(l.quantity AS DECIMAL(38, 0)) * l.unit_price * l.discount AS DECIMAL(38, 8))
    AS line_discount,
  CAST(CAST(l.returned_quantity AS DECIMAL(38, 0)) * l.unit_price * (1 - l.discount)
    AS DECIMAL(38, 8)) AS line_returned
FROM {{ ref('stg_order_lines') }} AS l
JOIN {{ ref('stg_orders') }} AS o ON o.order_id = l.order_id
LEFT JOIN {{ ref('stg_sales_reps') }} AS r ON r.rep_id = o.rep_id
WHERE NOT o.is_deleted

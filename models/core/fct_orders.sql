-- @materialized table
-- @tags core, sales
-- @unique_key order_id
-- @description One row per non-deleted order with its line totals (revenue, units, margin) summed
-- @description from fct_order_lines, so order and line figures can never disagree.
-- @column revenue Σ line_revenue (0 for an order without lines)
-- @column costed_revenue the part of revenue whose lines have a known unit cost
-- @column gross_margin Σ line_margin over lines with a known cost
-- @column subtotal round(Σ line_gross), the API's money rule (docs/api.md, "Money")
-- @column discount_total round(Σ line_discount)
-- @column returned_total round(Σ line_discount + Σ line_returned) − discount_total
-- @column total subtotal − round(Σ line_discount + Σ line_returned): what the API stores
-- @column api_total the total stored in orders (equals total for every order the API, the demo or the import wrote)
-- @test unique order_id
-- @test not_null order_id, customer_id, status, order_date, revenue
-- @test relationships customer_id -> dim_customers.customer_id
-- @test relationships rep_id -> dim_reps.rep_id
-- @test expression revenue >= 0
-- @test expression subtotal - discount_total - returned_total = total
-- @test expression discount_total >= 0 AND returned_total >= 0 AND total >= 0
WITH lines AS (
  SELECT
    order_id,
    count(*) AS line_count,
    sum(net_quantity) AS units,
    sum(line_revenue) AS revenue,
    sum(line_revenue) FILTER (WHERE unit_cost IS NOT NULL) AS costed_revenue,
    sum(line_margin) AS gross_margin,
    round(sum(line_gross), 2) AS subtotal,
    round(sum(line_discount), 2) AS discount_total,
    -- discount and returns together, rounded once: returned and total absorb the rounding
    round(sum(line_discount) + sum(line_returned), 2) AS taken
  FROM {{ ref('fct_order_lines') }}
  GROUP BY order_id
)
SELECT
  o.order_id,
  o.order_number,
  o.customer_id,
  o.rep_id,
  r.team_id,
  o.warehouse_id,
  o.status,
  o.status NOT IN ('draft', 'pending_approval', 'cancelled') AS is_revenue,
  o.currency,
  o.ordered_at,
  CAST(timezone({{ var('timezone') }}, o.ordered_at) AS DATE) AS order_date,
  coalesce(l.line_count, 0) AS line_count,
  coalesce(l.units, 0) AS units,
  coalesce(l.revenue, 0) AS revenue,
  coalesce(l.costed_revenue, 0) AS costed_revenue,
  l.gross_margin,
  -- DECIMAL(18,2): the API's numeric(14,2) with room to spare, and stored as 64-bit integers,
  -- which DuckDB decodes ~10× faster than DECIMAL(38,2)'s 128-bit ones (2.0 s of CPU for total
  -- alone at 3.9 M orders; segment/as-of-features.ts reads it for every order).
  CAST(coalesce(l.subtotal, 0) AS DECIMAL(18, 2)) AS subtotal,
  CAST(coalesce(l.discount_total, 0) AS DECIMAL(18, 2)) AS discount_total,
  CAST(coalesce(l.taken - l.discount_total, 0) AS DECIMAL(18, 2)) AS returned_total,
  CAST(coalesce(l.subtotal - l.taken, 0) AS DECIMAL(18, 2)) AS total,
  o.total AS api_total
FROM {{ ref('stg_orders') }} AS o
LEFT JOIN lines AS l ON l.order_id = o.order_id
LEFT JOIN {{ ref('stg_sales_reps') }} AS r ON r.rep_id = o.rep_id
WHERE NOT o.is_deleted

-- @materialized table
-- @tags marts, inventory, reports
-- @unique_key product_id, warehouse_id
-- @description Per product and warehouse (with stock or a reorder rule): on hand, reserved,
-- @description available, units shipped and average daily demand over the last 30 and 90 days
-- @description (the N days ending on the as-of date, default today), days of cover (null when
-- @description demand is 0), the reorder rule and whether available is at or below its point
-- @description (as stock.low fires), and a suggested quantity that brings stock back at least to
-- @description the point (never less than the rule's reorder quantity).
-- @column available on_hand − reserved
-- @column avg_daily_demand_30d units shipped in the 30 days ending on as_of_date ÷ 30
-- @column days_of_cover_30d available ÷ avg_daily_demand_30d
-- @test unique product_id, warehouse_id
-- @test not_null product_id, warehouse_id, on_hand, reserved, available
-- @test relationships product_id -> dim_products.product_id
WITH pairs AS (
  SELECT product_id, warehouse_id FROM {{ ref('stg_stock_levels') }}
  UNION
  SELECT product_id, warehouse_id FROM {{ ref('stg_reorder_rules') }} WHERE NOT is_deleted
),
as_of AS (SELECT CAST({{ var('as_of') }} AS DATE) AS as_of_date),
shipped AS (
  SELECT
    m.product_id,
    m.warehouse_id,
    sum(m.units_shipped) FILTER (WHERE m.movement_date > a.as_of_date - 30) AS units_30d,
    sum(m.units_shipped) AS units_90d
  FROM {{ ref('fct_stock_movements') }} AS m, as_of AS a
  WHERE m.units_shipped > 0
    AND m.movement_date > a.as_of_date - 90 AND m.movement_date <= a.as_of_date
  GROUP BY m.product_id, m.warehouse_id
),
measured AS (
  SELECT
    pr.product_id,
    pr.warehouse_id,
    coalesce(l.on_hand, 0) AS on_hand,
    coalesce(l.reserved, 0) AS reserved,
    coalesce(l.on_hand, 0) - coalesce(l.reserved, 0) AS available,
    CAST(coalesce(s.units_30d, 0) AS BIGINT) AS units_shipped_30d,
    CAST(coalesce(s.units_90d, 0) AS BIGINT) AS units_shipped_90d,
    r.reorder_point,
    r.reorder_quantity,
    r.lead_time_days
  FROM pairs AS pr
  LEFT JOIN {{ ref('stg_stock_levels') }} AS l
    ON l.product_id = pr.product_id AND l.warehouse_id = pr.warehouse_id
  LEFT JOIN shipped AS s ON s.product_id = pr.product_id AND s.warehouse_id = pr.warehouse_id
  LEFT JOIN {{ ref('stg_reorder_rules') }} AS r
    ON r.product_id = pr.product_id AND r.warehouse_id = pr.warehouse_id AND NOT r.is_deleted
)
SELECT
  m.product_id,
  p.sku,
  p.product_name,
  p.category_id,
  p.category_name,
  m.warehouse_id,
  w.warehouse_code,
  w.warehouse_name,
  m.on_hand,
  m.reserved,
  m.available,
  m.units_shipped_30d,
  m.units_shipped_90d,
  m.units_shipped_30d / 30.0 AS avg_daily_demand_30d,
  m.units_shipped_90d / 90.0 AS avg_daily_demand_90d,
  CASE WHEN m.units_shipped_30d > 0 THEN m.available * 30.0 / m.units_shipped_30d END
    AS days_of_cover_30d,
  CASE WHEN m.units_shipped_90d > 0 THEN m.available * 90.0 / m.units_shipped_90d END
    AS days_of_cover_90d,
  m.reorder_point,
  m.reorder_quantity,
  m.lead_time_days,
  CASE WHEN m.reorder_point IS NOT NULL THEN m.available <= m.reorder_point END
    AS below_reorder_point,
  CASE
    WHEN m.reorder_point IS NULL THEN NULL
    WHEN m.available <= m.reorder_point
      THEN greatest(m.reorder_quantity, m.reorder_point - m.available)
    ELSE 0
  END AS suggested_reorder_quantity,
  a.as_of_date
FROM measured AS m
CROSS JOIN as_of AS a
LEFT JOIN {{ ref('dim_products') }} AS p ON p.product_id = m.product_id
LEFT JOIN {{ ref('stg_warehouses') }} AS w ON w.warehouse_id = m.warehouse_id

-- @materialized table
-- @tags marts, inventory, reports
-- @unique_key product_id, warehouse_id
-- @description Per product and warehouse (with stock or a reorder rule): on hand, reserved,
-- @description available, units shipped and average daily demand over the last 30 and 90 days
-- @description (the N days ending on the as-of date, default today), days of cover (null when
-- @description demand is 0), the reorder point and whether available is at or below it (as
-- @description stock.low fires), and a suggested quantity that brings stock back at least to the
-- @description point (never less than the rule's reorder quantity). The reorder point is the
-- @description rule's where one exists; elsewhere (docs/metrics.md) average daily demand × lead time +
-- @description safety stock, with the 90-day demand, a default lead time of 14 days and a safety
-- @description stock of 7 days of demand (the schema records neither without a rule), rounded up
-- @description to whole units; null when nothing shipped in 90 days, since there is no demand to
-- @description base it on. Stock value is on hand × the product's current cost (products.cost: the
-- @description schema keeps no cost per batch), null when the cost is unknown.
-- @column available on_hand − reserved
-- @column avg_daily_demand_30d units shipped in the 30 days ending on as_of_date ÷ 30
-- @column days_of_cover_30d available ÷ avg_daily_demand_30d
-- @column reorder_point the rule's, else ceil(avg_daily_demand_90d × (14 + 7)); null without either
-- @column reorder_point_source rule (set on a reorder rule), demand (derived) or null
-- @column lead_time_days the rule's (may be null), or the default 14 behind a derived point
-- @column category_path category ids from the root to the product's category
-- @column unit_cost the product's current cost (null: unknown)
-- @column stock_value on_hand × unit_cost, exact DECIMAL; null when the cost is unknown
-- @test unique product_id, warehouse_id
-- @test not_null product_id, warehouse_id, on_hand, reserved, available
-- @test relationships product_id -> dim_products.product_id
-- @test accepted_values reorder_point_source: rule, demand
-- @test expression (reorder_point IS NULL) = (reorder_point_source IS NULL)
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
    r.reorder_point AS rule_reorder_point,
    r.reorder_quantity,
    r.lead_time_days AS rule_lead_time_days
  FROM pairs AS pr
  LEFT JOIN {{ ref('stg_stock_levels') }} AS l
    ON l.product_id = pr.product_id AND l.warehouse_id = pr.warehouse_id
  LEFT JOIN shipped AS s ON s.product_id = pr.product_id AND s.warehouse_id = pr.warehouse_id
  LEFT JOIN {{ ref('stg_reorder_rules') }} AS r
    ON r.product_id = pr.product_id AND r.warehouse_id = pr.warehouse_id AND NOT r.is_deleted
),
-- Without a rule the schema holds no lead time or safety stock, so these are chosen defaults:
-- lead time 14 days, safety stock 7 days of demand (change them here and in the header).
-- units_90d ÷ 90 × (14 + 7) rounded up, in integers so a whole result is not pushed up by a float.
pointed AS (
  SELECT
    m.*,
    CASE
      WHEN m.rule_reorder_point IS NOT NULL THEN m.rule_reorder_point
      WHEN m.units_shipped_90d > 0 THEN CAST((m.units_shipped_90d * (14 + 7) + 89) // 90 AS INTEGER)
    END AS reorder_point,
    CASE
      WHEN m.rule_reorder_point IS NOT NULL THEN 'rule'
      WHEN m.units_shipped_90d > 0 THEN 'demand'
    END AS reorder_point_source,
    CASE
      WHEN m.rule_reorder_point IS NOT NULL THEN m.rule_lead_time_days
      WHEN m.units_shipped_90d > 0 THEN 14
    END AS lead_time_days
  FROM measured AS m
)
SELECT
  m.product_id,
  p.sku,
  p.product_name,
  p.category_id,
  p.category_name,
  p.category_path,
  m.warehouse_id,
  w.warehouse_code,
  w.warehouse_name,
  m.on_hand,
  m.reserved,
  m.available,
  p.cost AS unit_cost,
  CAST(CAST(m.on_hand AS DECIMAL(38, 0)) * p.cost AS DECIMAL(38, 8)) AS stock_value,
  m.units_shipped_30d,
  m.units_shipped_90d,
  m.units_shipped_30d / 30.0 AS avg_daily_demand_30d,
  m.units_shipped_90d / 90.0 AS avg_daily_demand_90d,
  CASE WHEN m.units_shipped_30d > 0 THEN m.available * 30.0 / m.units_shipped_30d END
    AS days_of_cover_30d,
  CASE WHEN m.units_shipped_90d > 0 THEN m.available * 90.0 / m.units_shipped_90d END
    AS days_of_cover_90d,
  m.reorder_point,
  m.reorder_point_source,
  m.reorder_quantity,
  m.lead_time_days,
  CASE WHEN m.reorder_point IS NOT NULL THEN m.available <= m.reorder_point END
    AS below_reorder_point,
  CASE
    WHEN m.reorder_point IS NULL THEN NULL
    WHEN m.available <= m.reorder_point
      -- A derived point has no reorder quantity: the suggestion only restores the point.
      THEN greatest(coalesce(m.reorder_quantity, 0), m.reorder_point - m.available)
    ELSE 0
  END AS suggested_reorder_quantity,
  a.as_of_date
FROM pointed AS m
CROSS JOIN as_of AS a
LEFT JOIN {{ ref('dim_products') }} AS p ON p.product_id = m.product_id
LEFT JOIN {{ ref('stg_warehouses') }} AS w ON w.warehouse_id = m.warehouse_id

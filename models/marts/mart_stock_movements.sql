-- @materialized table
-- @tags marts, inventory, dashboards
-- @unique_key movement_date, product_id, warehouse_id, movement_type
-- @description Stock movements per local day, product, warehouse and movement type (receipt,
-- @description shipment, return, adjustment, reservation, …): how many, units in (Σ positive
-- @description on-hand changes), units out (Σ negative ones, as a positive number) and the net
-- @description change of on hand. Reservations move reserved, not on hand, so their units are 0.
-- @column units_in Σ on_hand_delta over the movements that added stock
-- @column units_out −Σ on_hand_delta over the movements that took stock away
-- @column net_units units_in − units_out
-- @test unique movement_date, product_id, warehouse_id, movement_type
-- @test not_null movement_date, product_id, warehouse_id, movement_type, movements
-- @test expression units_in >= 0 AND units_out >= 0
SELECT
  m.movement_date,
  CAST(date_trunc('month', m.movement_date) AS DATE) AS movement_month,
  m.product_id,
  any_value(p.sku) AS sku,
  any_value(p.product_name) AS product_name,
  any_value(p.category_id) AS category_id,
  any_value(p.category_name) AS category_name,
  any_value(p.category_path) AS category_path,
  m.warehouse_id,
  any_value(w.warehouse_code) AS warehouse_code,
  any_value(w.warehouse_name) AS warehouse_name,
  m.movement_type,
  count(*) AS movements,
  CAST(coalesce(sum(m.on_hand_delta) FILTER (WHERE m.on_hand_delta > 0), 0) AS BIGINT) AS units_in,
  CAST(coalesce(-sum(m.on_hand_delta) FILTER (WHERE m.on_hand_delta < 0), 0) AS BIGINT)
    AS units_out,
  CAST(sum(m.on_hand_delta) AS BIGINT) AS net_units
FROM {{ ref('fct_stock_movements') }} AS m
LEFT JOIN {{ ref('dim_products') }} AS p ON p.product_id = m.product_id
LEFT JOIN {{ ref('stg_warehouses') }} AS w ON w.warehouse_id = m.warehouse_id
GROUP BY m.movement_date, m.product_id, m.warehouse_id, m.movement_type

-- @materialized view
-- @tags staging, inventory
-- @description Reorder rules per product and warehouse, renamed.
-- @test unique reorder_rule_id
-- @test not_null reorder_rule_id, product_id, warehouse_id, reorder_point, reorder_quantity
SELECT
  id AS reorder_rule_id,
  product_id,
  warehouse_id,
  reorder_point,
  reorder_quantity,
  lead_time_days,
  created_at,
  updated_at,
  deleted_at,
  deleted_at IS NOT NULL AS is_deleted
FROM {{ source('raw', 'reorder_rules') }}

-- @materialized view
-- @tags staging, inventory
-- @description Warehouses, renamed.
-- @test unique warehouse_id
-- @test not_null warehouse_id, warehouse_code, warehouse_name
SELECT
  id AS warehouse_id,
  code AS warehouse_code,
  name AS warehouse_name,
  city,
  active AS is_active,
  created_at,
  updated_at,
  deleted_at,
  deleted_at IS NOT NULL AS is_deleted
FROM {{ source('raw', 'warehouses') }}

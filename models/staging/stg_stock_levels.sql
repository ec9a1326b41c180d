-- @materialized view
-- @tags staging, inventory
-- @description Stock on hand and reserved per product and warehouse (no surrogate key).
-- @test unique product_id, warehouse_id
-- @test not_null product_id, warehouse_id, on_hand, reserved
SELECT
  product_id,
  warehouse_id,
  on_hand,
  reserved,
  created_at,
  updated_at
FROM {{ source('raw', 'stock_levels') }}

-- @materialized view
-- @tags staging, catalog
-- @description Products with their current list price and cost, renamed.
-- @test unique product_id
-- @test not_null product_id, sku, product_name, list_price
SELECT
  id AS product_id,
  sku,
  name AS product_name,
  category_id,
  list_price,
  cost,
  active AS is_active,
  created_at,
  updated_at,
  deleted_at,
  deleted_at IS NOT NULL AS is_deleted
FROM {{ source('raw', 'products') }}

-- @materialized view
-- @tags staging, catalog
-- @description Price list entries by product, customer group and minimum quantity, renamed.
-- @test unique price_list_item_id
-- @test not_null price_list_item_id, price_list_id, product_id, unit_price
SELECT
  id AS price_list_item_id,
  price_list_id,
  product_id,
  customer_group,
  min_quantity,
  unit_price,
  valid_from,
  valid_to,
  created_at,
  updated_at,
  deleted_at,
  deleted_at IS NOT NULL AS is_deleted
FROM {{ source('raw', 'price_list_items') }}

-- @materialized view
-- @tags staging, catalog
-- @description List price and cost of a product in force from valid_from, renamed.
-- @test unique price_history_id
-- @test not_null price_history_id, product_id, list_price, valid_from
SELECT
  id AS price_history_id,
  product_id,
  list_price,
  cost,
  valid_from,
  created_at,
  updated_at
FROM {{ source('raw', 'product_price_history') }}

-- @materialized view
-- @tags staging, catalog
-- @description Price lists, renamed.
-- @test unique price_list_id
-- @test not_null price_list_id, price_list_name, currency
SELECT
  id AS price_list_id,
  name AS price_list_name,
  currency,
  active AS is_active,
  created_at,
  updated_at,
  deleted_at,
  deleted_at IS NOT NULL AS is_deleted
FROM {{ source('raw', 'price_lists') }}

-- @materialized view
-- @tags staging, catalog
-- @description Product categories (a tree through parent_category_id), renamed.
-- @test unique category_id
-- @test not_null category_id, category_name
SELECT
  id AS category_id,
  name AS category_name,
  parent_id AS parent_category_id,
  created_at,
  updated_at,
  deleted_at,
  deleted_at IS NOT NULL AS is_deleted
FROM {{ source('raw', 'product_categories') }}

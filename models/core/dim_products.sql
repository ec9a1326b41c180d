-- @materialized table
-- @tags core, catalog
-- @unique_key product_id
-- @description One row per product with its category, the parent category, and the path of
-- @description category ids from the root, so "sales in category X" can include its subcategories.
-- @column category_path ids from the root category down to the product's own (empty: none)
-- @test unique product_id
-- @test not_null product_id, sku, product_name
WITH RECURSIVE tree AS (
  SELECT category_id, [category_id] AS category_path, 1 AS depth
  FROM {{ ref('stg_product_categories') }}
  WHERE parent_category_id IS NULL
  UNION ALL
  SELECT c.category_id, list_append(t.category_path, c.category_id), t.depth + 1
  FROM {{ ref('stg_product_categories') }} AS c
  JOIN tree AS t ON c.parent_category_id = t.category_id
  WHERE t.depth < 32 -- a parent cycle in the source must not loop forever
)
SELECT
  p.product_id,
  p.sku,
  p.product_name,
  p.category_id,
  cat.category_name,
  cat.parent_category_id,
  parent.category_name AS parent_category_name,
  coalesce(tree.category_path, []::BIGINT[]) AS category_path,
  p.list_price,
  p.cost,
  p.is_active,
  p.is_deleted
FROM {{ ref('stg_products') }} AS p
LEFT JOIN {{ ref('stg_product_categories') }} AS cat ON cat.category_id = p.category_id
LEFT JOIN {{ ref('stg_product_categories') }} AS parent ON parent.category_id = cat.parent_category_id
LEFT JOIN tree ON tree.category_id = p.category_id

-- @materialized view
-- @tags staging, crm
-- @description Products and quantities of an opportunity (priced like order lines; they give the
-- @description opportunity's default expected value), renamed.
-- @test unique opportunity_line_id
-- @test unique opportunity_id, line_no
-- @test not_null opportunity_line_id, opportunity_id, product_id, quantity, unit_price, discount
SELECT
  id AS opportunity_line_id,
  opportunity_id,
  line_no,
  product_id,
  quantity,
  unit_price,
  discount,
  created_at,
  updated_at
FROM {{ source('raw', 'opportunity_lines') }}

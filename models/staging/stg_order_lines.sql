-- @materialized view
-- @tags staging, sales
-- @description Order lines, renamed; unit_cost is the cost at the time of sale (null = unknown).
-- @test unique order_line_id
-- @test not_null order_line_id, order_id, product_id, quantity, unit_price, discount
-- @test expression returned_quantity BETWEEN 0 AND quantity
SELECT
  id AS order_line_id,
  order_id,
  line_no,
  product_id,
  quantity,
  unit_price,
  discount,
  line_total,
  unit_cost,
  returned_quantity,
  created_at,
  updated_at
FROM {{ source('raw', 'order_lines') }}

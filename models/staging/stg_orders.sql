-- @materialized view
-- @tags staging, sales
-- @description Order headers, renamed. Totals are the API's; revenue is recomputed from lines.
-- @test unique order_id
-- @test not_null order_id, order_number, customer_id, status, ordered_at
-- @test accepted_values status: draft, pending_approval, confirmed, shipped, delivered, cancelled, returned
SELECT
  id AS order_id,
  number AS order_number,
  customer_id,
  rep_id,
  warehouse_id,
  status,
  currency,
  subtotal,
  discount_total,
  returned_total,
  total,
  source,
  ordered_at,
  confirmed_at,
  approved_at,
  shipped_at,
  delivered_at,
  cancelled_at,
  returned_at,
  paid_at,
  created_at,
  updated_at,
  deleted_at,
  deleted_at IS NOT NULL AS is_deleted
FROM {{ source('raw', 'orders') }}

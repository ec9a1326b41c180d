-- @materialized view
-- @tags staging, inventory
-- @description The stock ledger, renamed.
-- @test unique movement_id
-- @test not_null movement_id, product_id, warehouse_id, movement_type, occurred_at
-- @test accepted_values movement_type: receipt, adjustment, transfer_in, transfer_out, reservation, release, shipment, return
SELECT
  id AS movement_id,
  product_id,
  warehouse_id,
  movement_type,
  on_hand_delta,
  reserved_delta,
  reference_type,
  reference_id,
  reason,
  occurred_at,
  created_at,
  updated_at
FROM {{ source('raw', 'stock_movements') }}

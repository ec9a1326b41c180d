-- @materialized view
-- @tags staging, inventory
-- @description Alerts (stock.low and others), renamed.
-- @test unique alert_id
-- @test not_null alert_id, kind, raised_at
SELECT
  id AS alert_id,
  kind,
  product_id,
  warehouse_id,
  message,
  payload,
  raised_at,
  acknowledged_at,
  created_at,
  updated_at
FROM {{ source('raw', 'alerts') }}

-- @materialized incremental
-- @tags core, inventory
-- @unique_key movement_id
-- @watermark updated_at
-- The ledger is append-only, so merging rows past the high-water mark is exact. The lookback
-- re-reads a day because ingest lets late-committing rows arrive with an older updated_at.
-- @lookback 1 day
-- @description One row per stock movement, with its local date and the units it shipped.
-- @column units_shipped −on_hand_delta of a shipment, else 0 (demand for inventory health)
-- @test unique movement_id
-- @test not_null movement_id, product_id, warehouse_id, movement_date
-- @test expression units_shipped >= 0
SELECT
  m.movement_id,
  m.product_id,
  m.warehouse_id,
  m.movement_type,
  m.on_hand_delta,
  m.reserved_delta,
  m.reference_type,
  m.reference_id,
  m.occurred_at,
  CAST(timezone({{ var('timezone') }}, m.occurred_at) AS DATE) AS movement_date,
  CASE WHEN m.movement_type = 'shipment' AND m.on_hand_delta < 0 THEN -m.on_hand_delta ELSE 0 END
    AS units_shipped,
  m.updated_at
FROM {{ ref('stg_stock_movements') }} AS m
WHERE {{ incremental_filter('m.updated_at') }}

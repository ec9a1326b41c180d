-- @severity warn
-- @description Available stock below zero means reservations exceed stock on hand: the API
-- @description forbids it, so a row here points at an ingest or ledger problem, not at the model.
SELECT product_id, warehouse_id, on_hand, reserved, available
FROM {{ ref('mart_inventory_health') }}
WHERE available < 0

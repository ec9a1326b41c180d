-- @materialized view
-- @tags staging, sales
-- @description The order event outbox, renamed.
-- @test unique order_event_id
-- @test not_null order_event_id, event_type, occurred_at
SELECT
  id AS order_event_id,
  order_id,
  event_type,
  from_status,
  to_status,
  payload,
  occurred_at,
  published_at,
  created_at,
  updated_at
FROM {{ source('raw', 'order_events') }}

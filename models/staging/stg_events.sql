-- @materialized view
-- @tags staging, events
-- @description The business event outbox (docs/events.md), renamed: every change the API, the jobs
-- @description and imports made, with its payload as the API showed it. event_id is the id readers
-- @description see (null until published); the warehouse keeps events past PostgreSQL's retention.
-- @test unique event_row_id
-- @test not_null event_row_id, event_type, entity_type, entity_id, occurred_at
SELECT
  row_id AS event_row_id,
  id AS event_id,
  type AS event_type,
  entity_type,
  entity_id,
  customer_id,
  schema_version,
  payload,
  occurred_at,
  actor_key_id,
  actor_user_id,
  published_at,
  created_at,
  updated_at
FROM {{ source('raw', 'events') }}

-- @materialized view
-- @tags staging, audit
-- @description The audit log (who changed what, when; diff is {field: {from, to}}), renamed.
-- @description api_key_id is null for jobs and the CLI.
-- @test unique audit_id
-- @test not_null audit_id, entity, entity_id, action, occurred_at
SELECT
  id AS audit_id,
  api_key_id,
  entity,
  entity_id,
  action,
  diff,
  "at" AS occurred_at, -- a reserved word in DuckDB
  created_at,
  updated_at
FROM {{ source('raw', 'audit_log') }}

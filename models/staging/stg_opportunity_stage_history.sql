-- @materialized view
-- @tags staging, crm
-- @description Stage changes of opportunities, renamed.
-- @test unique stage_change_id
-- @test not_null stage_change_id, opportunity_id, to_stage, changed_at
SELECT
  id AS stage_change_id,
  opportunity_id,
  from_stage,
  to_stage,
  changed_at,
  changed_by_key_id,
  created_at,
  updated_at
FROM {{ source('raw', 'opportunity_stage_history') }}

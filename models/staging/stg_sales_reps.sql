-- @materialized view
-- @tags staging, crm
-- @description Sales reps, renamed; soft-deleted ones flagged.
-- @test unique rep_id
-- @test not_null rep_id, rep_code, rep_name
SELECT
  id AS rep_id,
  code AS rep_code,
  name AS rep_name,
  email,
  team_id,
  manager_rep_id,
  active AS is_active,
  created_at,
  updated_at,
  deleted_at,
  deleted_at IS NOT NULL AS is_deleted
FROM {{ source('raw', 'sales_reps') }}

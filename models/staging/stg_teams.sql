-- @materialized view
-- @tags staging, crm
-- @description Sales teams, renamed; soft-deleted ones flagged rather than dropped, because
-- @description past revenue still belongs to them.
-- @test unique team_id
-- @test not_null team_id, team_name
SELECT
  id AS team_id,
  name AS team_name,
  manager_rep_id,
  created_at,
  updated_at,
  deleted_at,
  deleted_at IS NOT NULL AS is_deleted
FROM {{ source('raw', 'teams') }}

-- @materialized view
-- @tags staging, crm
-- @description Quotas per rep or team and period, renamed.
-- @test unique quota_id
-- @test not_null quota_id, period_type, period_start, amount
-- @test accepted_values period_type: month, quarter, year
-- @test expression (rep_id IS NULL) <> (team_id IS NULL)
-- A quota that does not start its period never matches a report period; say so, but build.
-- @warn expression period_start = CAST(date_trunc(period_type, period_start) AS DATE)
SELECT
  id AS quota_id,
  rep_id,
  team_id,
  period_type,
  period_start,
  amount,
  created_at,
  updated_at,
  deleted_at,
  deleted_at IS NOT NULL AS is_deleted
FROM {{ source('raw', 'quotas') }}

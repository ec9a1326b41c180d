-- @materialized table
-- @tags core, crm
-- @unique_key rep_id
-- @description One row per sales rep with the team they are in now. Revenue is attributed to a
-- @description rep's current team: the operational schema keeps no team history.
-- @column rep_id sales_reps.id
-- @column team_id the rep's current team (null: no team)
-- @test unique rep_id
-- @test not_null rep_id, rep_name
-- @test relationships manager_rep_id -> dim_reps.rep_id
SELECT
  r.rep_id,
  r.rep_code,
  r.rep_name,
  r.email,
  r.team_id,
  t.team_name,
  r.manager_rep_id,
  r.is_active,
  r.is_deleted
FROM {{ ref('stg_sales_reps') }} AS r
LEFT JOIN {{ ref('stg_teams') }} AS t ON t.team_id = r.team_id

-- @materialized table
-- @tags marts, crm, dashboards
-- @unique_key activity_id
-- @description One row per non-deleted activity with its owner rep and the rep's current team:
-- @description type, subject, when it is due and when it was done (local days). Whether an open activity
-- @description is overdue depends on when you look, so the dashboard compares due_at with now()
-- @description when it reads the rows rather than freezing it at build time.
-- @column is_done done_at is set
-- @test unique activity_id
-- @test not_null activity_id, activity_type, is_done
SELECT
  a.activity_id,
  a.activity_type,
  a.subject,
  a.customer_id,
  a.opportunity_id,
  a.owner_rep_id AS rep_id,
  r.rep_code,
  r.rep_name,
  a.team_id,
  r.team_name,
  a.due_at,
  CAST(timezone({{ var('timezone') }}, a.due_at) AS DATE) AS due_date,
  a.done_at,
  a.done_date,
  a.is_done,
  a.outcome
FROM {{ ref('fct_activities') }} AS a
LEFT JOIN {{ ref('dim_reps') }} AS r ON r.rep_id = a.owner_rep_id

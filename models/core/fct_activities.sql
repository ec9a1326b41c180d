-- @materialized table
-- @tags core, crm
-- @unique_key activity_id
-- @description One row per non-deleted activity with its owner's team and the local day it was done.
-- @test unique activity_id
-- @test not_null activity_id, activity_type
-- @test relationships owner_rep_id -> dim_reps.rep_id
SELECT
  a.activity_id,
  a.activity_type,
  a.subject,
  a.customer_id,
  a.opportunity_id,
  a.order_id,
  a.owner_rep_id,
  r.team_id,
  a.due_at,
  a.done_at,
  CAST(timezone({{ var('timezone') }}, a.done_at) AS DATE) AS done_date,
  a.done_at IS NOT NULL AS is_done,
  a.outcome,
  a.created_at
FROM {{ ref('stg_activities') }} AS a
LEFT JOIN {{ ref('stg_sales_reps') }} AS r ON r.rep_id = a.owner_rep_id
WHERE NOT a.is_deleted

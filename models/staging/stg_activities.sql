-- @materialized view
-- @tags staging, crm
-- @description Activities (calls, emails, meetings, tasks), renamed.
-- @test unique activity_id
-- @test not_null activity_id, activity_type
-- @test accepted_values activity_type: call, email, meeting, task
SELECT
  id AS activity_id,
  activity_type,
  subject,
  customer_id,
  contact_id,
  opportunity_id,
  order_id,
  owner_rep_id,
  due_at,
  done_at,
  outcome,
  followup_rule_id,
  created_at,
  updated_at,
  deleted_at,
  deleted_at IS NOT NULL AS is_deleted
FROM {{ source('raw', 'activities') }}

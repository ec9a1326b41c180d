-- @materialized view
-- @tags staging, crm
-- @description Opportunities, renamed.
-- @test unique opportunity_id
-- @test not_null opportunity_id, customer_id, stage, expected_value, probability
-- @test accepted_values stage: lead, qualified, proposal, negotiation, won, lost
SELECT
  id AS opportunity_id,
  customer_id,
  owner_rep_id,
  title,
  stage,
  expected_value,
  probability,
  expected_close_date,
  closed_at,
  lost_reason,
  order_id,
  created_at,
  updated_at,
  deleted_at,
  deleted_at IS NOT NULL AS is_deleted
FROM {{ source('raw', 'opportunities') }}

-- @materialized view
-- @tags staging, crm
-- @description Follow-up rules (automation as data: trigger, JSON condition and action), renamed;
-- @description soft-deleted ones flagged, because activities they created still point at them.
-- @test unique followup_rule_id
-- @test not_null followup_rule_id, rule_name, trigger, is_active
-- @test accepted_values trigger: order_delivered, customer_created, opportunity_idle, churn_risk
SELECT
  id AS followup_rule_id,
  name AS rule_name,
  trigger,
  condition,
  action,
  active AS is_active,
  created_at,
  updated_at,
  deleted_at,
  deleted_at IS NOT NULL AS is_deleted
FROM {{ source('raw', 'followup_rules') }}

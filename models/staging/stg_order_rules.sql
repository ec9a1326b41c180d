-- @materialized view
-- @tags staging, sales
-- @description Order rules (credit limit, maximum discount, approval threshold, …) as configured
-- @description through /order-rules, renamed; params is the rule's JSON settings.
-- @test unique order_rule_id
-- @test not_null order_rule_id, rule_kind, is_active
-- @test accepted_values rule_kind: credit_limit, max_discount, approval_above_total, minimum_order_value, blocked_customer
SELECT
  id AS order_rule_id,
  kind AS rule_kind,
  params,
  active AS is_active,
  description,
  created_at,
  updated_at
FROM {{ source('raw', 'order_rules') }}

-- @materialized table
-- @tags marts, crm, dashboards
-- @unique_key opportunity_id
-- @description One row per non-deleted opportunity with its customer (code and name), owner rep
-- @description and the rep's current team: stage, open/won/lost, expected and weighted value,
-- @description created and closed dates (local) and the days between them. The sales-team
-- @description dashboard computes win rate, average deal size and sales cycle from these rows
-- @description for any date range (docs/metrics.md), since medians and ratios of periods do not add up.
-- @column weighted_value expected_value × probability
-- @column cycle_days days from created_date to closed_date, for won and lost ones
-- @test unique opportunity_id
-- @test not_null opportunity_id, stage, expected_value, created_date
-- @test accepted_values stage: lead, qualified, proposal, negotiation, won, lost
SELECT
  o.opportunity_id,
  o.title,
  o.customer_id,
  c.customer_code,
  c.customer_name,
  o.owner_rep_id AS rep_id,
  r.rep_code,
  r.rep_name,
  o.team_id,
  r.team_name,
  o.stage,
  o.is_open,
  o.is_won,
  o.is_lost,
  o.expected_value,
  o.probability,
  o.weighted_value,
  o.expected_close_date,
  o.created_date,
  o.closed_at,
  o.closed_date,
  o.cycle_days,
  o.lost_reason
FROM {{ ref('fct_opportunities') }} AS o
LEFT JOIN {{ ref('dim_customers') }} AS c ON c.customer_id = o.customer_id
LEFT JOIN {{ ref('dim_reps') }} AS r ON r.rep_id = o.owner_rep_id

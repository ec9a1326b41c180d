-- @materialized table
-- @tags core, crm
-- @unique_key opportunity_id
-- @description One row per non-deleted opportunity: open/won/lost, expected and weighted value,
-- @description and the days from creation to close (local dates) once closed.
-- @column weighted_value expected_value × probability
-- @column cycle_days days from created_date to closed_date, for won and lost ones
-- @test unique opportunity_id
-- @test not_null opportunity_id, customer_id, stage, expected_value
-- @test relationships customer_id -> dim_customers.customer_id
-- A won or lost opportunity without closed_at counts in no period; flag it, do not block.
-- @warn expression is_open OR closed_at IS NOT NULL
SELECT
  o.opportunity_id,
  o.customer_id,
  o.owner_rep_id,
  r.team_id,
  o.title,
  o.stage,
  o.stage NOT IN ('won', 'lost') AS is_open,
  o.stage = 'won' AS is_won,
  o.stage = 'lost' AS is_lost,
  o.expected_value,
  o.probability,
  CAST(o.expected_value * o.probability AS DECIMAL(38, 6)) AS weighted_value,
  o.expected_close_date,
  o.created_at,
  CAST(timezone({{ var('timezone') }}, o.created_at) AS DATE) AS created_date,
  o.closed_at,
  CAST(timezone({{ var('timezone') }}, o.closed_at) AS DATE) AS closed_date,
  CASE WHEN o.stage IN ('won', 'lost') THEN
    date_diff('day', CAST(timezone({{ var('timezone') }}, o.created_at) AS DATE),
                     CAST(timezone({{ var('timezone') }}, o.closed_at) AS DATE))
  END AS cycle_days,
  o.lost_reason,
  o.order_id
FROM {{ ref('stg_opportunities') }} AS o
LEFT JOIN {{ ref('stg_sales_reps') }} AS r ON r.rep_id = o.owner_rep_id
WHERE NOT o.is_deleted

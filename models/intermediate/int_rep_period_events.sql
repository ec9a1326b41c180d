-- @materialized view
-- @tags intermediate, crm
-- @description Every fact the team report counts, as one stream of events keyed by rep, the
-- @description rep's team and period (each event appears once per period type: month, quarter,
-- @description year). Revenue orders on their order date; won/lost opportunities on their close
-- @description date; open ones (pipeline) on their expected close date; activities on the day done.
-- @column period_type month, quarter or year
-- @test not_null period_type, period_start
WITH events AS (
  SELECT order_date AS event_date, rep_id, team_id, revenue, 1 AS orders
  FROM {{ ref('fct_orders') }}
  WHERE is_revenue
  UNION ALL BY NAME
  SELECT
    closed_date AS event_date,
    owner_rep_id AS rep_id,
    team_id,
    CAST(is_won AS INTEGER) AS won,
    CAST(is_lost AS INTEGER) AS lost,
    CASE WHEN is_won THEN expected_value END AS won_value,
    CASE WHEN is_won THEN cycle_days END AS won_cycle_days
  FROM {{ ref('fct_opportunities') }}
  WHERE NOT is_open AND closed_date IS NOT NULL
  UNION ALL BY NAME
  -- Pipeline of a period: open opportunities expected to close in it (none without a date).
  SELECT
    expected_close_date AS event_date,
    owner_rep_id AS rep_id,
    team_id,
    expected_value AS pipeline_value,
    weighted_value AS weighted_pipeline
  FROM {{ ref('fct_opportunities') }}
  WHERE is_open AND expected_close_date IS NOT NULL
  UNION ALL BY NAME
  SELECT done_date AS event_date, owner_rep_id AS rep_id, team_id, 1 AS activities_done
  FROM {{ ref('fct_activities') }}
  WHERE is_done
)
SELECT
  p.period_type,
  CAST(date_trunc(p.period_type, e.event_date) AS DATE) AS period_start,
  e.*
FROM events AS e
CROSS JOIN (VALUES ('month'), ('quarter'), ('year')) AS p(period_type)

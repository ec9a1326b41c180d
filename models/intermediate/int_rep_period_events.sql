-- @materialized view
-- @tags intermediate, crm
-- @description Every fact the team report counts, as rows keyed by period (month, quarter and
-- @description year), rep and the rep's team. Flows are dated and appear once per period type:
-- @description revenue orders on their order date, won/lost opportunities on their close date,
-- @description activities on the day done. Pipeline is a stock, not a flow (docs/metrics.md: Σ
-- @description expected value of open opportunities, open = not won or lost), so it is taken at the
-- @description end of each period: an opportunity counts in a period when it was created before the
-- @description period ended and was not closed by then. For the period holding as_of the cut is the
-- @description end of the as_of day, so the current month, quarter and year show every opportunity
-- @description open now. Periods run from the first opportunity's to as_of's; later periods have no
-- @description pipeline. The value is the opportunity's current expected value; the weight is its
-- @description current probability while it is still open, and for one closed since the cut the
-- @description default probability of the stage it was in at the cut (from the stage history),
-- @description since its probability now (1 or 0) says nothing about then.
-- @column period_type month, quarter or year
-- @column event_date the local day of a flow event; null on pipeline rows
-- @column pipeline_value expected value of one opportunity open at the period's cut
-- @column weighted_pipeline pipeline_value × probability at the cut (see description)
-- @test not_null period_type, period_start
-- A closed-since opportunity with no stage recorded before the cut has no known weight.
-- @warn expression pipeline_value IS NULL OR weighted_pipeline IS NOT NULL
WITH dated AS (
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
  SELECT done_date AS event_date, owner_rep_id AS rep_id, team_id, 1 AS activities_done
  FROM {{ ref('fct_activities') }}
  WHERE is_done
),
flows AS (
  SELECT p.period_type, CAST(date_trunc(p.period_type, e.event_date) AS DATE) AS period_start, e.*
  FROM dated AS e
  CROSS JOIN (VALUES ('month'), ('quarter'), ('year')) AS p(period_type)
),
as_of AS (SELECT CAST({{ var('as_of') }} AS DATE) AS as_of_date),
-- cut_date: the first local day after the period, or after as_of for the period holding it.
periods AS (
  SELECT
    p.period_type,
    CAST(s.period_start AS DATE) AS period_start,
    least(CAST(s.period_start + p.step AS DATE), a.as_of_date + 1) AS cut_date,
    timezone({{ var('timezone') }},
      CAST(least(CAST(s.period_start + p.step AS DATE), a.as_of_date + 1) AS TIMESTAMP)) AS cut_at
  FROM (VALUES ('month', INTERVAL 1 MONTH), ('quarter', INTERVAL 3 MONTH),
               ('year', INTERVAL 1 YEAR)) AS p(period_type, step)
  CROSS JOIN as_of AS a
  CROSS JOIN LATERAL (
    SELECT unnest(generate_series(
      CAST(date_trunc(p.period_type,
        (SELECT min(created_date) FROM {{ ref('fct_opportunities') }})) AS TIMESTAMP),
      CAST(date_trunc(p.period_type, a.as_of_date) AS TIMESTAMP),
      p.step)) AS period_start
  ) AS s
),
open_at_cut AS (
  SELECT
    p.period_type,
    p.period_start,
    p.cut_at,
    o.opportunity_id,
    o.owner_rep_id AS rep_id,
    o.team_id,
    o.is_open,
    o.expected_value,
    o.weighted_value
  FROM {{ ref('fct_opportunities') }} AS o
  JOIN periods AS p
    ON o.created_date < p.cut_date AND (o.is_open OR o.closed_date >= p.cut_date)
),
stage_at_cut AS (
  SELECT
    c.period_type,
    c.period_start,
    c.opportunity_id,
    arg_max(h.to_stage, (h.changed_at, h.stage_change_id)) AS stage
  FROM open_at_cut AS c
  JOIN {{ ref('stg_opportunity_stage_history') }} AS h
    ON h.opportunity_id = c.opportunity_id AND h.changed_at < c.cut_at
  WHERE NOT c.is_open
  GROUP BY ALL
),
pipeline AS (
  SELECT
    c.period_type,
    c.period_start,
    c.rep_id,
    c.team_id,
    c.expected_value AS pipeline_value,
    CASE WHEN c.is_open THEN c.weighted_value ELSE
      -- The stage defaults of api/opportunities/stages.ts (DEFAULT_PROBABILITY).
      CAST(c.expected_value * CASE s.stage WHEN 'lead' THEN 0.10 WHEN 'qualified' THEN 0.25
        WHEN 'proposal' THEN 0.50 WHEN 'negotiation' THEN 0.75 END AS DECIMAL(38, 6))
    END AS weighted_pipeline
  FROM open_at_cut AS c
  LEFT JOIN stage_at_cut AS s USING (period_type, period_start, opportunity_id)
)
SELECT * FROM flows
UNION ALL BY NAME
SELECT * FROM pipeline

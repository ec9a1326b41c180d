-- @materialized table
-- @tags marts, crm, reports
-- @unique_key period_type, period_start, level, team_id, rep_id
-- @description Per rep and per team, per month, quarter and year: revenue, orders, quota (a
-- @description quarter's or year's own quota when one is set, else the sum of the quotas set for
-- @description its quarters, and a quarter's of its months: only the months that have one count;
-- @description null when none has), attainment (revenue ÷ that quota; null without a quota or
-- @description when it is 0), pipeline and weighted pipeline at the end of the period
-- @description (opportunities open then; for the period holding as_of, every one open now — see
-- @description int_rep_period_events), won, lost, win rate won ÷ (won + lost) over those closed
-- @description in the period, average deal size and median sales cycle of the won ones, and
-- @description activities done. Team rows are computed from events, not from rep rows, so
-- @description medians and ratios are the team's own.
-- @column level rep or team
-- @column period_label 2026-03, 2026-Q1 or 2026
-- @column quota the period's own quota, else Σ of the quotas set for its quarters / months
-- @column pipeline_value Σ expected value of the opportunities open at the end of the period (or of as_of)
-- @column weighted_pipeline Σ expected value × probability of the same opportunities
-- @test unique period_type, period_start, level, team_id, rep_id
-- @test not_null period_type, period_start, period_label, level, revenue, orders
-- @test accepted_values level: rep, team
-- @test expression win_rate IS NULL OR win_rate BETWEEN 0 AND 1
-- @test expression weighted_pipeline <= pipeline_value
WITH grouped AS (
  SELECT
    period_type,
    period_start,
    CASE WHEN GROUPING(rep_id) = 0 THEN 'rep' ELSE 'team' END AS level,
    rep_id,
    team_id,
    sum(revenue) AS revenue,
    sum(orders) AS orders,
    sum(pipeline_value) AS pipeline_value,
    sum(weighted_pipeline) AS weighted_pipeline,
    sum(won) AS won,
    sum(lost) AS lost,
    sum(won_value) AS won_value,
    median(won_cycle_days) AS sales_cycle_days,
    sum(activities_done) AS activities_done
  FROM {{ ref('int_rep_period_events') }}
  GROUP BY GROUPING SETS (
    (period_type, period_start, rep_id, team_id),
    (period_type, period_start, team_id)
  )
),
-- Quotas as set: a rep's under the rep's team, a team's with no rep. One that does not start its
-- period (stg_quotas warns) matches no period, so it is left out of the roll-ups as well.
quota_rows AS (
  SELECT q.period_type, q.period_start, 'rep' AS level, q.rep_id, r.team_id, q.amount
  FROM {{ ref('stg_quotas') }} AS q
  LEFT JOIN {{ ref('dim_reps') }} AS r ON r.rep_id = q.rep_id
  WHERE q.rep_id IS NOT NULL AND NOT q.is_deleted
  UNION ALL
  SELECT period_type, period_start, 'team' AS level, NULL AS rep_id, team_id, amount
  FROM {{ ref('stg_quotas') }}
  WHERE team_id IS NOT NULL AND NOT is_deleted
),
aligned AS (
  SELECT * FROM quota_rows
  WHERE period_start = CAST(date_trunc(period_type, period_start) AS DATE)
),
month_quotas AS (
  SELECT period_type, period_start, level, rep_id, team_id, sum(amount) AS quota
  FROM aligned
  WHERE period_type = 'month'
  GROUP BY ALL
),
-- A quarter's quota is the one set for the quarter, else the sum of the monthly quotas set in it
-- (the months that have one: two of three months give the sum of those two).
quarter_quotas AS (
  SELECT
    'quarter' AS period_type,
    CAST(date_trunc('quarter', period_start) AS DATE) AS period_start,
    level,
    rep_id,
    team_id,
    coalesce(sum(amount) FILTER (WHERE period_type = 'quarter'),
      sum(amount) FILTER (WHERE period_type = 'month')) AS quota
  FROM aligned
  WHERE period_type IN ('month', 'quarter')
  GROUP BY 2, 3, 4, 5
),
-- A year's quota is the one set for the year, else the sum of its quarters' quotas (as above).
year_quotas AS (
  SELECT
    'year' AS period_type,
    CAST(date_trunc('year', period_start) AS DATE) AS period_start,
    level,
    rep_id,
    team_id,
    coalesce(sum(quota) FILTER (WHERE source = 'year'),
      sum(quota) FILTER (WHERE source = 'quarter')) AS quota
  FROM (
    SELECT 'year' AS source, period_start, level, rep_id, team_id, amount AS quota
    FROM aligned
    WHERE period_type = 'year'
    UNION ALL
    SELECT 'quarter', period_start, level, rep_id, team_id, quota FROM quarter_quotas
  )
  GROUP BY 2, 3, 4, 5
),
quotas AS (
  SELECT * FROM month_quotas
  UNION ALL BY NAME
  SELECT * FROM quarter_quotas
  UNION ALL BY NAME
  SELECT * FROM year_quotas
),
joined AS (
  SELECT
    coalesce(g.period_type, q.period_type) AS period_type,
    coalesce(g.period_start, q.period_start) AS period_start,
    coalesce(g.level, q.level) AS level,
    coalesce(g.rep_id, q.rep_id) AS rep_id,
    coalesce(g.team_id, q.team_id) AS team_id,
    coalesce(g.revenue, 0) AS revenue,
    coalesce(g.orders, 0) AS orders,
    q.quota,
    coalesce(g.pipeline_value, 0) AS pipeline_value,
    coalesce(g.weighted_pipeline, 0) AS weighted_pipeline,
    coalesce(g.won, 0) AS won,
    coalesce(g.lost, 0) AS lost,
    g.won_value,
    g.sales_cycle_days,
    coalesce(g.activities_done, 0) AS activities_done
  FROM grouped AS g
  FULL OUTER JOIN quotas AS q
    ON q.period_type = g.period_type AND q.period_start = g.period_start AND q.level = g.level
    AND q.rep_id IS NOT DISTINCT FROM g.rep_id AND q.team_id IS NOT DISTINCT FROM g.team_id
)
SELECT
  j.period_type,
  j.period_start,
  CAST(j.period_start + CASE j.period_type WHEN 'month' THEN INTERVAL 1 MONTH
    WHEN 'quarter' THEN INTERVAL 3 MONTH ELSE INTERVAL 1 YEAR END AS DATE) AS period_end,
  CASE j.period_type
    WHEN 'month' THEN strftime(j.period_start, '%Y-%m')
    WHEN 'quarter' THEN year(j.period_start) || '-Q' || quarter(j.period_start)
    ELSE CAST(year(j.period_start) AS VARCHAR)
  END AS period_label,
  j.level,
  j.team_id,
  t.team_name,
  j.rep_id,
  r.rep_code,
  r.rep_name,
  j.revenue,
  j.orders,
  j.quota,
  CASE WHEN j.quota > 0 THEN j.revenue / j.quota END AS attainment,
  j.pipeline_value,
  j.weighted_pipeline,
  j.won,
  j.lost,
  CASE WHEN j.won + j.lost > 0 THEN j.won / (j.won + j.lost) END AS win_rate,
  CASE WHEN j.won > 0 THEN CAST(j.won_value / j.won AS DECIMAL(38, 8)) END AS average_deal_size,
  j.sales_cycle_days,
  j.activities_done
FROM joined AS j
LEFT JOIN {{ ref('dim_reps') }} AS r ON r.rep_id = j.rep_id
LEFT JOIN {{ ref('stg_teams') }} AS t ON t.team_id = j.team_id
-- Orders without a rep belong to no one's performance; team rows need a team.
WHERE (j.level = 'rep' AND j.rep_id IS NOT NULL) OR (j.level = 'team' AND j.team_id IS NOT NULL)

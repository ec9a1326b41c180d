-- @materialized table
-- @tags core
-- @unique_key date_day
-- @description One row per calendar day, whole years from the first order (or the as-of date)
-- @description to the last order (or the as-of date), for charts that must show empty days.
-- @test unique date_day
-- @test not_null date_day
WITH orders AS (
  SELECT
    min(CAST(timezone({{ var('timezone') }}, ordered_at) AS DATE)) AS first_order,
    max(CAST(timezone({{ var('timezone') }}, ordered_at) AS DATE)) AS last_order
  FROM {{ ref('stg_orders') }}
),
bounds AS (
  SELECT
    CAST(date_trunc('year', least(coalesce(first_order, as_of), as_of)) AS DATE) AS first_day,
    CAST(date_trunc('year', greatest(coalesce(last_order, as_of), as_of))
      + INTERVAL 1 YEAR - INTERVAL 1 DAY AS DATE) AS last_day
  FROM orders, (SELECT CAST({{ var('as_of') }} AS DATE) AS as_of) AS a
),
days AS (
  SELECT CAST(unnest(generate_series(
    CAST(first_day AS TIMESTAMP), CAST(last_day AS TIMESTAMP), INTERVAL 1 DAY)) AS DATE) AS date_day
  FROM bounds
)
SELECT
  date_day,
  year(date_day) AS year,
  quarter(date_day) AS quarter,
  month(date_day) AS month,
  CAST(date_trunc('month', date_day) AS DATE) AS month_start,
  CAST(date_trunc('quarter', date_day) AS DATE) AS quarter_start,
  CAST(date_trunc('year', date_day) AS DATE) AS year_start,
  strftime(date_day, '%Y-%m') AS month_label,
  year(date_day) || '-Q' || quarter(date_day) AS quarter_label,
  isodow(date_day) AS iso_day_of_week,
  isodow(date_day) >= 6 AS is_weekend
FROM days

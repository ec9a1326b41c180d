-- @materialized table
-- @tags marts, crm, segmentation
-- @unique_key customer_id
-- @description One row per customer with at least one revenue order: the RFM scores of
-- @description mart_customer_value (unchanged: ntile 5, 5 is best) and the named RFM segment,
-- @description from the recency score and the mean of the frequency and monetary scores by the
-- @description 5 × 5 grid in docs/segmentation.md (the widely used R × F segment map, with F and
-- @description M averaged on its second axis and its oldest, least active corner split off as lost).
-- @column fm_score (frequency_score + monetary_score) / 2, rounded half up: 1–5
-- @column rfm_cell the three scores as text, recency first ('543')
-- @column segment champions, loyal, potential_loyalists, new, promising, need_attention, about_to_sleep, at_risk, cant_lose, hibernating or lost
-- @test unique customer_id
-- @test not_null customer_id, customer_code, recency_score, frequency_score, monetary_score, fm_score, segment
-- @test relationships customer_id -> mart_customer_value.customer_id
-- @test accepted_values fm_score: 1, 2, 3, 4, 5
-- @test accepted_values segment: champions, loyal, potential_loyalists, new, promising, need_attention, about_to_sleep, at_risk, cant_lose, hibernating, lost
WITH scored AS (
  SELECT
    v.*,
    -- Rounded half up, so a customer who buys rarely but big (F 1, M 4 → 3) counts as more
    -- than a one-off: the grid's second axis is "how much this customer is worth", not visits.
    CAST(floor((v.frequency_score + v.monetary_score + 1) / 2) AS INTEGER) AS fm_score
  FROM {{ ref('mart_customer_value') }} AS v
  WHERE v.recency_score IS NOT NULL
)
SELECT
  customer_id,
  customer_code,
  customer_name,
  is_deleted,
  as_of_date,
  days_since_last_order,
  orders,
  revenue,
  recency_score,
  frequency_score,
  monetary_score,
  fm_score,
  CAST(recency_score AS VARCHAR) || CAST(frequency_score AS VARCHAR)
    || CAST(monetary_score AS VARCHAR) AS rfm_cell,
  -- Read row by row with docs/segmentation.md's table (recency 5 at the top); every one of the
  -- 25 cells has exactly one segment (test/segment-rfm.test.ts checks the table against this).
  CASE
    WHEN recency_score = 5 AND fm_score = 1 THEN 'new'
    WHEN recency_score = 5 AND fm_score IN (2, 3) THEN 'potential_loyalists'
    WHEN recency_score = 5 THEN 'champions'
    WHEN recency_score = 4 AND fm_score = 1 THEN 'promising'
    WHEN recency_score = 4 AND fm_score IN (2, 3) THEN 'potential_loyalists'
    WHEN recency_score = 4 THEN 'loyal'
    WHEN recency_score = 3 AND fm_score IN (1, 2) THEN 'about_to_sleep'
    WHEN recency_score = 3 AND fm_score = 3 THEN 'need_attention'
    WHEN recency_score = 3 THEN 'loyal'
    WHEN fm_score = 5 THEN 'cant_lose'
    WHEN fm_score IN (3, 4) THEN 'at_risk'
    WHEN recency_score = 2 THEN 'hibernating'
    ELSE 'lost'
  END AS segment
FROM scored

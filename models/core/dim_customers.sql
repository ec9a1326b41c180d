-- @materialized table
-- @tags core, crm
-- @unique_key customer_id
-- @description One row per customer, soft-deleted ones included (flagged) so their past orders
-- @description keep a customer to point at.
-- @column owner_team_id the team of the owner rep now
-- @test unique customer_id
-- @test not_null customer_id, customer_code, customer_name
-- @test relationships owner_rep_id -> dim_reps.rep_id
SELECT
  c.customer_id,
  c.customer_code,
  c.customer_name,
  c.email,
  c.city,
  c.country,
  c.customer_group,
  c.credit_limit,
  c.tags,
  c.owner_rep_id,
  r.team_id AS owner_team_id,
  c.is_blocked,
  c.is_deleted,
  c.created_at
FROM {{ ref('stg_customers') }} AS c
LEFT JOIN {{ ref('stg_sales_reps') }} AS r ON r.rep_id = c.owner_rep_id

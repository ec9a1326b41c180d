-- @materialized view
-- @tags staging, crm
-- @description Customers, renamed; soft-deleted ones flagged (their orders still count).
-- @test unique customer_id
-- @test not_null customer_id, customer_code, customer_name
SELECT
  id AS customer_id,
  code AS customer_code,
  name AS customer_name,
  email,
  phone,
  address,
  city,
  country,
  customer_group,
  credit_limit,
  tags,
  owner_rep_id,
  blocked AS is_blocked,
  created_at,
  updated_at,
  deleted_at,
  deleted_at IS NOT NULL AS is_deleted
FROM {{ source('raw', 'customers') }}

-- @materialized view
-- @tags staging, access
-- @description People who sign in, renamed; the password hash never reaches the warehouse.
-- @test unique user_id
-- @test not_null user_id, role
SELECT
  id AS user_id,
  email,
  name AS user_name,
  role,
  rep_id,
  active AS is_active,
  last_sign_in_at,
  locked_until,
  created_at,
  updated_at
FROM {{ source('raw', 'users') }}

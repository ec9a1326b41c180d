-- @materialized view
-- @tags staging, crm
-- @description Contacts at customers, renamed.
-- @test unique contact_id
-- @test not_null contact_id, customer_id
SELECT
  id AS contact_id,
  customer_id,
  name AS contact_name,
  role,
  email,
  phone,
  is_primary,
  created_at,
  updated_at,
  deleted_at,
  deleted_at IS NOT NULL AS is_deleted
FROM {{ source('raw', 'contacts') }}

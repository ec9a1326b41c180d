-- @materialized view
-- @tags staging, access
-- @description Browser sessions: who signed in when, last seen, and when the session ended.
-- @test unique session_id
-- @test not_null session_id, user_id, created_at
SELECT
  id AS session_id,
  user_id,
  created_at AS signed_in_at,
  last_seen_at,
  expires_at,
  ended_at,
  ended_at IS NULL AS is_open,
  updated_at,
  created_at
FROM {{ source('raw', 'sessions') }}

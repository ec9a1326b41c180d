/**
 * The small project test/models-build.test.ts builds again before each test: raw.items and
 * raw.owners (three items, two owners, stamped ten minutes ago), a source freshness rule, and
 * five models — two staging views, a table, an incremental fact and a mart — some with tests.
 */

/** models/sources.json: raw.items warns an hour after its last change, and is an error after two. */
export const FIXTURE_SOURCES = {
  sources: {
    raw: {
      tables: {
        items: {
          freshness: { loaded_at_field: 'updated_at', warn_after_hours: 1, error_after_hours: 2 },
        },
        owners: {},
      },
    },
  },
};

/** Drops every schema a build or test touches, so each test starts from empty ones. */
export const RESET_SCHEMAS = `DROP SCHEMA IF EXISTS raw CASCADE; DROP SCHEMA IF EXISTS staging CASCADE;
    DROP SCHEMA IF EXISTS core CASCADE; DROP SCHEMA IF EXISTS marts CASCADE;
    DROP SCHEMA IF EXISTS meta CASCADE;`;

/** The raw tables and their rows. */
export const FIXTURE_RAW = `CREATE SCHEMA raw;
    CREATE TABLE raw.owners (id BIGINT, name VARCHAR);
    INSERT INTO raw.owners VALUES (1, 'Ann'), (2, 'Bob');
    CREATE TABLE raw.items (id BIGINT, name VARCHAR, kind VARCHAR, owner_id BIGINT,
      price DECIMAL(14,2), updated_at TIMESTAMPTZ);
    INSERT INTO raw.items VALUES
      (1, 'bolt', 'part', 1, 1.50, now() - INTERVAL 10 MINUTE),
      (2, 'nut', 'part', 2, 0.25, now() - INTERVAL 10 MINUTE),
      (3, 'saw', 'tool', 1, 20.00, now() - INTERVAL 10 MINUTE);`;

/** The project's files, by path below models/. */
export const FIXTURE_FILES: Record<string, string> = {
  'sources.json': JSON.stringify(FIXTURE_SOURCES),
  'staging/stg_items.sql': "-- @test unique id\nSELECT * FROM {{ source('raw', 'items') }}",
  'staging/stg_owners.sql': "SELECT * FROM {{ source('raw', 'owners') }}",
  'core/dim_items.sql': [
    '-- @materialized table',
    '-- @test unique id',
    '-- @test not_null id, name',
    "SELECT id, name, kind, owner_id, price FROM {{ ref('stg_items') }}",
  ].join('\n'),
  'core/fct_items.sql': [
    '-- @materialized incremental',
    '-- @unique_key id',
    '-- @watermark updated_at',
    '-- @test unique id',
    "SELECT id, price, updated_at FROM {{ ref('stg_items') }} AS i",
    "WHERE {{ incremental_filter('i.updated_at') }}",
  ].join('\n'),
  'marts/mart_kinds.sql': [
    '-- @materialized table',
    "SELECT kind, count(*) AS n, sum(price) AS price FROM {{ ref('dim_items') }} GROUP BY kind",
  ].join('\n'),
};

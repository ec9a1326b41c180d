/**
 * Escape attempts on the analysts' read path, one table for every door: POST /api/v1/sql
 * (test/sql-escapes.test.ts runs them all), `salesops sql` (test/cli-sql.test.ts runs a
 * selection through the real CLI) and the PostgreSQL wire protocol (test/sqlwire-escapes.test.ts
 * runs them all). Each expects the HTTP status and a reason naming what was refused; the CLI
 * prints the same reason on one line and exits 1, the wire door answers it with its SQLSTATE.
 * Beside the table: what the attempts aim at (plantEscapeTargets) and what they must not change
 * (fingerprint).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config.ts';
import type { TestEnv } from './harness.ts';
import { rowsOf, withConnection } from './raw-tables.ts';

/** [sql, status, what the reason must name]. `$TMP` and `$EXPORT` are the sandbox folders. */
export const SQL_ESCAPE_ATTEMPTS: [sql: string, status: number, reason: RegExp][] = [
  // Writing files, reading them back in
  ["COPY marts.t TO '/tmp/salesops-escape.csv'", 422, /COPY writes/],
  ["COPY (SELECT 1) TO '$EXPORT/mine.parquet' (FORMAT parquet)", 422, /COPY writes/],
  ["COPY marts.t FROM '$TMP/secret.csv'", 422, /COPY writes/],
  ["EXPORT DATABASE '$EXPORT/dump'", 422, /EXPORT DATABASE writes files/],
  ["IMPORT DATABASE '$EXPORT/dump'", 422, /IMPORT DATABASE/],
  // A dump someone left in the export folder: IMPORT would read (and run) its schema.sql
  ["IMPORT DATABASE '$EXPORT/planted'", 422, /IMPORT DATABASE/],
  // Other databases, extensions, the network
  ["ATTACH '/tmp/salesops-escape.duckdb' AS other", 422, /ATTACH opens another database/],
  ["ATTACH ':memory:' AS scratch", 422, /ATTACH/],
  ['DETACH warehouse', 422, /DETACH/],
  ['INSTALL httpfs', 422, /INSTALL adds extensions/],
  ['FORCE INSTALL httpfs', 422, /FORCE INSTALL/],
  ['LOAD httpfs', 422, /LOAD loads extensions/],
  ["SELECT * FROM read_csv('https://example.com/x.csv')", 422, /read_csv\(\)/],
  // File and system table functions, wherever they hide
  ["SELECT * FROM read_csv('/etc/passwd')", 422, /read_csv\(\)/],
  ["FROM read_csv_auto('/etc/passwd')", 422, /read_csv_auto\(\)/],
  ["SELECT * FROM read_text('/etc/passwd')", 422, /read_text\(\)/],
  ["SELECT * FROM read_blob('$TMP/secret.csv')", 422, /read_blob\(\)/],
  ["SELECT * FROM read_json_auto('/etc/passwd')", 422, /read_json_auto\(\)/],
  ["SELECT * FROM glob('/*')", 422, /glob\(\)/],
  ["SELECT * FROM sniff_csv('$TMP/secret.csv')", 422, /sniff_csv\(\)/],
  ["SELECT * FROM read_csv('$TMP/secret.csv')", 422, /read_csv\(\)/],
  ["SELECT * FROM read_parquet('$EXPORT/other-user.parquet')", 422, /read_parquet\(\)/],
  ["SELECT * FROM parquet_metadata('$EXPORT/other-user.parquet')", 422, /parquet_metadata\(\)/],
  ["SELECT * FROM '$EXPORT/other-user.parquet'", 422, /has no schema/],
  ["FROM '$TMP/secret.csv'", 422, /has no schema/],
  ['FROM "/etc/passwd"', 422, /has no schema/],
  // A path as a table name in an allowed schema: no replacement scan, just no such table
  ['SELECT * FROM marts."$TMP/secret.csv"', 400, /does not exist/],
  ['SELECT * FROM duckdb_secrets()', 422, /duckdb_secrets\(\)/],
  ['SELECT * FROM duckdb_settings()', 422, /duckdb_settings\(\)/],
  ["SELECT * FROM query('DROP TABLE marts.t')", 422, /query\(\)/],
  ["SELECT * FROM query_table('marts.t')", 422, /query_table\(\)/],
  ["WITH x AS (SELECT * FROM glob('$TMP/*')) SELECT * FROM marts.t, x", 422, /glob\(\)/],
  ["SELECT (SELECT max(content) FROM read_text('/etc/passwd')) AS c", 422, /read_text\(\)/],
  ["SUMMARIZE SELECT * FROM read_text('/etc/passwd')", 422, /read_text\(\)/],
  ["DESCRIBE SELECT * FROM read_csv('$TMP/secret.csv')", 422, /read_csv\(\)/],
  // Settings and pragmas
  ['SET threads = 1', 422, /SET changes settings/],
  ['SET GLOBAL enable_external_access = true', 422, /SET changes settings/],
  ['RESET threads', 422, /RESET changes settings/],
  ['SET VARIABLE x = 1', 422, /SET/],
  ['PRAGMA enable_profiling', 422, /PRAGMA/],
  ["PRAGMA table_info('marts.t')", 422, /PRAGMA/],
  ['CALL pragma_version()', 422, /CALL runs/],
  // A second statement, hidden or not
  ['SELECT 1; DROP TABLE marts.t', 422, /exactly one statement.*not a read/],
  ['SELECT 1; SELECT 2', 422, /exactly one statement.*has 2/],
  ["SELECT 'a -- ' AS a; SELECT 2 -- '", 422, /exactly one statement.*has 2/],
  ['SELECT 1 AS a -- ;\n; DROP TABLE marts.t', 422, /exactly one statement.*not a read/],
  ["SELECT ';' AS a; DELETE FROM marts.t", 422, /exactly one statement.*not a read/],
  ['SELECT 1 /* ; */; INSERT INTO marts.t VALUES (9)', 422, /exactly one statement.*not a read/],
  ["SELECT $$'$$ AS a; DROP TABLE marts.t", 422, /exactly one statement.*not a read/],
  ["SELECT 1; IMPORT DATABASE '$EXPORT/planted'", 422, /exactly one statement.*not a read/],
  // Writes
  ['CREATE TABLE marts.u AS SELECT 1 AS a', 422, /CREATE writes/],
  ['CREATE OR REPLACE VIEW marts.t AS SELECT 2 AS a', 422, /CREATE writes/],
  ['CREATE MACRO leak() AS 1', 422, /CREATE writes/],
  ['INSERT INTO marts.t VALUES (99)', 422, /INSERT writes/],
  ['UPDATE marts.t SET a = 0', 422, /UPDATE writes/],
  ['DELETE FROM marts.t', 422, /DELETE writes/],
  ['DROP TABLE marts.t', 422, /DROP writes/],
  ['ALTER TABLE marts.t ADD COLUMN z INTEGER', 422, /ALTER writes/],
  ['TRUNCATE marts.t', 422, /TRUNCATE writes/],
  ['CHECKPOINT', 422, /CHECKPOINT writes/],
  ['FORCE CHECKPOINT', 422, /FORCE CHECKPOINT/],
  ['VACUUM', 422, /VACUUM/],
  ['BEGIN TRANSACTION', 422, /transactions/],
  ['USE marts', 422, /USE changes/],
  ['PREPARE p AS SELECT 1', 422, /PREPARE/],
  // EXPLAIN runs what it explains when it ANALYZEs
  [
    'EXPLAIN ANALYZE CREATE TABLE marts.u AS SELECT 1 AS a',
    422,
    /EXPLAIN is allowed only of a read/,
  ],
  ['EXPLAIN ANALYZE DELETE FROM marts.t', 422, /EXPLAIN is allowed only of a read/],
  ['EXPLAIN (FORMAT json) INSERT INTO marts.t VALUES (1)', 422, /EXPLAIN/],
  ["EXPLAIN ANALYZE SELECT * FROM read_text('/etc/passwd')", 422, /read_text\(\)/],
  // Schemas and catalogs outside the analysts' reach
  ['SELECT * FROM meta.model_sql', 422, /meta\.model_sql is outside the schemas/],
  ['SELECT * FROM temp.main.scratch', 422, /temp\.main\.scratch is outside/],
  ['SELECT * FROM system.main.duckdb_settings', 422, /system\.main\.duckdb_settings/],
  ['SELECT * FROM duckdb_settings', 422, /has no schema/],
  // The same settings through the PostgreSQL faces of the catalog
  [
    'SELECT name, setting FROM pg_catalog.pg_settings',
    422,
    /pg_settings shows the server's settings/,
  ],
  [
    "SELECT current_setting('temp_directory')",
    422,
    /current_setting\(\) reads the server's settings/,
  ],
  [
    "SELECT pg_catalog.current_setting('allowed_directories') AS d FROM marts.t",
    422,
    /current_setting\(\)/,
  ],
  // Not DuckDB at all: bad SQL, 400 with DuckDB's message
  ["SELECT getenv('HOME')", 400, /getenv/],
  ['WITH d AS (DELETE FROM marts.t RETURNING *) SELECT * FROM d', 400, /CTE needs a SELECT/],
];

/** An attempt's text with the sandbox folders of `config` in it. */
export function escapeSql(template: string, config: Pick<Config, 'ingestTempDir' | 'exportDir'>) {
  return template.replaceAll('$TMP', config.ingestTempDir).replaceAll('$EXPORT', config.exportDir);
}

/**
 * What the attempts aim at: a secret in the ingest's temp folder, another user's export, a
 * planted dump whose schema.sql IMPORT would run, marts.t and meta.model_sql.
 */
export async function plantEscapeTargets(env: TestEnv): Promise<void> {
  const exportFile = path.join(env.config.exportDir, 'other-user.parquet');
  fs.writeFileSync(path.join(env.config.ingestTempDir, 'secret.csv'), 'secret\nhunter2\n');
  const planted = path.join(env.config.exportDir, 'planted');
  fs.mkdirSync(planted);
  fs.writeFileSync(path.join(planted, 'schema.sql'), 'CREATE TABLE marts.hunter2 (x INT);');
  fs.writeFileSync(path.join(planted, 'load.sql'), 'DROP TABLE marts.t; SELECT hunter2 FROM;');
  await withConnection(env.warehouse, async (c) => {
    await c.run(`CREATE SCHEMA IF NOT EXISTS marts; CREATE SCHEMA IF NOT EXISTS meta;
      CREATE TABLE marts.t AS SELECT range::INTEGER AS a FROM range(5);
      CREATE TABLE meta.model_sql AS SELECT 'SELECT 1' AS sql;
      COPY (SELECT 'theirs' AS owner) TO '${exportFile}' (FORMAT parquet);`);
  });
}

/** Everything a refused statement could have changed: catalog, contents, settings, files. */
export async function fingerprint(env: TestEnv): Promise<unknown> {
  const catalog = await rowsOf(
    env.warehouse,
    `SELECT 'db' AS k, database_name AS name, path AS v FROM duckdb_databases()
     UNION ALL SELECT 'schema', database_name || '.' || schema_name, '' FROM duckdb_schemas()
     UNION ALL SELECT 'table', database_name || '.' || schema_name || '.' || table_name, sql FROM duckdb_tables()
     UNION ALL SELECT 'view', database_name || '.' || schema_name || '.' || view_name, sql FROM duckdb_views() WHERE NOT internal
     UNION ALL SELECT 'function', schema_name || '.' || function_name, '' FROM duckdb_functions() WHERE NOT internal
     UNION ALL SELECT 'setting', name, value FROM duckdb_settings()
       WHERE name IN ('enable_external_access', 'lock_configuration', 'allowed_directories', 'threads', 'autoload_known_extensions', 'enable_profiling')
     ORDER BY ALL`,
  );
  const contents = [];
  for (const t of catalog.filter((r) => r.k === 'table' && !String(r.name).startsWith('temp.')))
    contents.push(
      ...(await rowsOf(
        env.warehouse,
        `SELECT '${t.name}' AS t, count(*) AS n, bit_xor(hash(x)) AS h FROM ${t.name} AS x`,
      )),
    );
  const files = [env.config.exportDir, env.config.ingestTempDir].map((d) =>
    fs.readdirSync(d).sort(),
  );
  return { catalog, contents, files, escaped: fs.existsSync('/tmp/salesops-escape.csv') };
}

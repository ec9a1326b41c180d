/**
 * psql's `\l`, `\dn` and `\df` (and their `+` forms), recognised by psql 15's text and answered
 * without PostgreSQL's pg_catalog functions (pg_get_userbyid, pg_get_function_result…), which
 * DuckDB lacks. Each answer has exactly the columns psql's query names, in its order — psql
 * reads them by position — with a value where the warehouse has one and NULL (printed empty)
 * where it has none: no access privileges, sizes or ICU locales.
 *
 * - `\l`: one database, the one the client named when it connected (every name reaches the same
 *   warehouse), owner `salesops`, UTF8, collation C (DuckDB compares strings byte by byte).
 * - `\dn`: the schemas analysts read (catalog-scope.ts LISTED), owner `salesops`; with a pattern
 *   or `\dnS`, information_schema and pg_catalog too, as psql shows system schemas then; no
 *   publications (psql asks after each schema a pattern finds).
 * - `\df`: no rows. The warehouse has no functions of its own (no macros); DuckDB's built-ins
 *   are the system's, which psql's `\df` leaves out on PostgreSQL too — `duckdb_functions()`
 *   lists them as a query. An empty list, not a refusal, because it is the true answer.
 */
import { ANALYST_SCHEMAS } from '../warehouse/read/guard.ts';
import { LISTED, patternOf, sqlLiteral } from './catalog-scope.ts';

const DATABASES = /^SELECT d\.datname as "Name",\s+pg_catalog\.pg_get_userbyid\(d\.datdba\)/;
const SCHEMAS = /^SELECT n\.nspname AS "Name",\s+pg_catalog\.pg_get_userbyid\(n\.nspowner\)/;
/** `\dn pattern`'s second query, per schema found: the warehouse publishes nothing. */
const SCHEMA_PUBLICATIONS =
  /^SELECT pubname\s+FROM pg_catalog\.pg_publication p\s+JOIN pg_catalog\.pg_publication_namespace/;
const FUNCTIONS =
  /^SELECT n\.nspname as "Schema",\s+p\.proname as "Name",\s+pg_catalog\.pg_get_function_result/;

/** The column names psql's query asks for (`… as "Owner"`), in order: psql reads by position. */
export function columnsAsked(sql: string): string[] {
  const list = sql.slice(0, sql.search(/\nFROM /));
  return [...list.matchAll(/\bAS "([^"]+)"/gi)].map((m) => m[1]!);
}

/** The select list for `asked`: each column's value from `known`, NULL when there is none. */
export function selectList(asked: string[], known: Record<string, string>): string {
  return asked.map((name) => `${known[name] ?? 'NULL::VARCHAR'} AS "${name}"`).join(',\n  ');
}

function listDatabases(sql: string, database: string): string {
  const pattern = patternOf(sql, 'd.datname');
  const known = {
    Name: 'd.name',
    Owner: "'salesops'",
    Encoding: "'UTF8'",
    Collate: "'C'",
    Ctype: "'C'",
    'Locale Provider': "'libc'",
    Tablespace: "'pg_default'",
    Description: "'the salesops warehouse (DuckDB), read only'",
  };
  return `SELECT ${selectList(columnsAsked(sql), known)}
    FROM (VALUES (${sqlLiteral(database)})) AS d(name)
    ${pattern ? `WHERE regexp_matches(d.name, ${pattern})` : ''}`;
}

function listSchemas(sql: string): string {
  const pattern = patternOf(sql, 'n.nspname');
  // psql drops its "no system schemas" filter for \dnS and for a pattern; so does the answer.
  const shown = sql.includes("n.nspname !~ '^pg_'") ? LISTED : ANALYST_SCHEMAS;
  const known = { Name: 'n.schema_name', Owner: "'salesops'" };
  return `SELECT DISTINCT ${selectList(columnsAsked(sql), known)}
    FROM duckdb_schemas() AS n
    WHERE n.database_name IN (current_database(), 'system')
      AND n.schema_name IN (${shown.map(sqlLiteral).join(', ')})
      ${pattern ? `AND regexp_matches(n.schema_name, ${pattern})` : ''}
    ORDER BY 1`;
}

function listFunctions(sql: string): string {
  return `SELECT ${selectList(columnsAsked(sql), {})} WHERE false`;
}

/** The replacement for psql's `\l`, `\dn` or `\df` query, or undefined when `sql` is none. */
export function listQuery(sql: string, database: string): string | undefined {
  if (DATABASES.test(sql)) return listDatabases(sql, database);
  if (SCHEMAS.test(sql)) return listSchemas(sql);
  if (SCHEMA_PUBLICATIONS.test(sql)) return 'SELECT NULL::VARCHAR AS pubname WHERE false';
  if (FUNCTIONS.test(sql)) return listFunctions(sql);
  return undefined;
}

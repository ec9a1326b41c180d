/**
 * What psql's catalog answers (catalog.ts, catalog-lists.ts) may show, and how psql's name
 * patterns are read out of its queries: the schemas analysts read, their tables and views with
 * DuckDB's oids, and the `OPERATOR(pg_catalog.~) '^(…)$'` literals psql writes for `\dt marts.*`.
 */
import { ANALYST_SCHEMAS } from '../warehouse/read/guard.ts';

/** A SQL string literal of `s` (quotes doubled; DuckDB reads backslashes as they are). */
export function sqlLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/**
 * Schemas whose tables and views are listed, and that `\dn` shows: the catalog schemas are
 * not, as in psql (api/sql/cli-prompt.ts's `\d` leaves them out the same way).
 */
export const LISTED = ANALYST_SCHEMAS.filter(
  (s) => s !== 'information_schema' && s !== 'pg_catalog',
);
export const LISTED_SQL = LISTED.map(sqlLiteral).join(', ');

/** Every table and view an analyst reads, with DuckDB's oid, as one relation. */
export const RELATIONS = `(SELECT table_oid AS oid, schema_name, table_name AS name, 'table' AS kind
    FROM duckdb_tables() WHERE NOT internal AND database_name = current_database()
  UNION ALL
  SELECT view_oid, schema_name, view_name, 'view'
    FROM duckdb_views() WHERE NOT internal AND database_name = current_database()) AS rel`;

/** psql's pattern literal for a column (`'^(marts)$'`, quotes doubled as SQL has them). */
export function patternOf(sql: string, column: string): string | undefined {
  const m = new RegExp(
    `${column.replace('.', '\\.')} OPERATOR\\(pg_catalog\\.~\\) ('(?:[^']|'')*')`,
  ).exec(sql);
  return m?.[1];
}

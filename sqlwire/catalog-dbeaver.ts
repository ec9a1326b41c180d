/**
 * DBeaver's schema list (PostgreDatabase.SchemaCache), which it reads on connect to find the
 * active schema: written for PostgreSQL (`d.classoid='pg_namespace'::regclass`, and DuckDB has
 * no regclass), answered from duckdb_schemas() with the schemas analysts read, and no
 * descriptions (the warehouse keeps none there). Like catalog.ts's, the replacement runs through
 * the guard and the history. DBeaver's later catalog queries (tables with `c.*` and
 * pg_description, columns from pg_attribute) are not recognised: see docs/sql.md.
 */
import { ANALYST_SCHEMAS } from '../warehouse/read/guard.ts';

const SCHEMA_LIST =
  /^SELECT n\.oid,n\.\*,d\.description FROM pg_catalog\.pg_namespace n\s+LEFT OUTER JOIN pg_catalog\.pg_description d ON d\.objoid=n\.oid AND d\.objsubid=0 AND d\.classoid='pg_namespace'::regclass\s+(?:WHERE (nspname[^;]*?)\s+)?ORDER BY nspname\s*$/;

const READABLE = ANALYST_SCHEMAS.map((s) => `'${s}'`).join(', ');

/** The replacement for DBeaver's schema list, or undefined when `sql` is not it. */
export function dbeaverCatalogQuery(sql: string): string | undefined {
  const m = SCHEMA_LIST.exec(sql);
  if (!m) return undefined;
  // DBeaver's own filter (a name, or a list of them with `?`), kept with its parameters.
  const filter = m[1] ? ` AND (${m[1]})` : '';
  return `SELECT * FROM (SELECT oid, schema_name AS nspname, 10 AS nspowner,
        NULL::VARCHAR AS nspacl, NULL::VARCHAR AS description
      FROM duckdb_schemas() WHERE database_name IN (current_database(), 'system')) AS n
    WHERE n.nspname IN (${READABLE})${filter} ORDER BY nspname`;
}

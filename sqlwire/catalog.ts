/**
 * The catalog queries psql sends for `\dt`, `\dv`, `\d` and `\d name`, recognised and answered
 * from DuckDB's own catalog (duckdb_tables(), duckdb_views(), duckdb_columns()): they are
 * written for PostgreSQL's pg_catalog (pg_get_userbyid, OPERATOR(pg_catalog.~), pg_policy…),
 * which DuckDB does not have. As other wire-compatible databases do, each recognised query is
 * replaced by one that answers the same columns — and that query runs through the same guard,
 * gate and history as any other (session.ts), so this is no way around them.
 *
 * Recognised by psql 15's text (psql -E prints it). Tables and views of the schemas analysts
 * read are listed; the owner is `salesops`; no index, rule, trigger, policy, statistics object,
 * publication or inheritance is ever reported, because the warehouse has none an analyst could
 * use. `\d+` is refused (its extra columns — storage, statistics target, description — have no
 * answer here); see docs/sql.md for the list of what works.
 */
import { AppError } from '../api/errors.ts';
import { ANALYST_SCHEMAS } from '../warehouse/read/guard.ts';
import { dbeaverCatalogQuery } from './catalog-dbeaver.ts';

/** Schemas whose tables and views are listed (the catalog schemas are not, as in psql). */
const LISTED = ANALYST_SCHEMAS.filter((s) => s !== 'information_schema' && s !== 'pg_catalog');
const LISTED_SQL = LISTED.map((s) => `'${s}'`).join(', ');

/** Every table and view an analyst reads, with DuckDB's oid, as one relation. */
const RELATIONS = `(SELECT table_oid AS oid, schema_name, table_name AS name, 'table' AS kind
    FROM duckdb_tables() WHERE NOT internal AND database_name = current_database()
  UNION ALL
  SELECT view_oid, schema_name, view_name, 'view'
    FROM duckdb_views() WHERE NOT internal AND database_name = current_database()) AS rel`;

/** psql's pattern literal for a column (`'^(marts)$'`, quotes doubled as SQL has them). */
function patternOf(sql: string, column: string): string | undefined {
  const m = new RegExp(
    `${column.replace('.', '\\.')} OPERATOR\\(pg_catalog\\.~\\) ('(?:[^']|'')*')`,
  ).exec(sql);
  return m?.[1];
}

function relationFilter(sql: string): string {
  const parts = [`rel.schema_name IN (${LISTED_SQL})`];
  const schema = patternOf(sql, 'n.nspname');
  const name = patternOf(sql, 'c.relname');
  if (schema) parts.push(`regexp_matches(rel.schema_name, ${schema})`);
  if (name) parts.push(`regexp_matches(rel.name, ${name})`);
  return parts.join(' AND ');
}

/** `\dt`, `\dv`, `\d`: the relation list, by the kinds asked for. */
function listRelations(sql: string): string | undefined {
  const kinds = /c\.relkind IN \(([^)]*)\)/.exec(sql)?.[1];
  if (kinds === undefined) return undefined;
  const wanted = [];
  if (/'r'|'p'/.test(kinds)) wanted.push("'table'");
  if (/'v'/.test(kinds)) wanted.push("'view'");
  if (!wanted.length) wanted.push("''");
  return `SELECT rel.schema_name AS "Schema", rel.name AS "Name", rel.kind AS "Type",
      'salesops' AS "Owner"
    FROM ${RELATIONS}
    WHERE rel.kind IN (${wanted.join(', ')}) AND ${relationFilter(sql)}
    ORDER BY 1, 2`;
}

/** `\d name`, first step: the relations the pattern names, with their oids. */
function findRelations(sql: string): string {
  return `SELECT rel.oid, rel.schema_name AS nspname, rel.name AS relname
    FROM ${RELATIONS} WHERE ${relationFilter(sql)} ORDER BY 2, 3`;
}

/** The oid literal a describe step asks about (`c.oid = '22058'`, `pc.oid ='22058'`). */
function oidIn(sql: string): string | undefined {
  return /=\s*'(\d+)'/.exec(sql)?.[1];
}

/** `\d name`, second step: what kind of relation it is, with nothing of PostgreSQL's extras. */
function relationInfo(oid: string): string {
  return `SELECT 0 AS relchecks, CASE rel.kind WHEN 'view' THEN 'v' ELSE 'r' END AS relkind,
      false AS relhasindex, false AS relhasrules, false AS relhastriggers,
      false AS relrowsecurity, false AS relforcerowsecurity, false AS relhasoids,
      false AS relispartition, '' AS reloptions, 0 AS reltablespace, '' AS reloftype,
      'p' AS relpersistence, 'd' AS relreplident, 'duckdb' AS amname
    FROM ${RELATIONS} WHERE rel.oid = ${oid} AND rel.schema_name IN (${LISTED_SQL})`;
}

/** DuckDB's type text as PostgreSQL names it where the two differ; DuckDB's own otherwise. */
const FORMAT_TYPE = `CASE
      WHEN c.data_type LIKE 'DECIMAL(%' THEN 'numeric' || substr(c.data_type, 8)
      WHEN c.data_type = 'HUGEINT' THEN 'numeric(38,0)'
      WHEN c.data_type = 'BIGINT' THEN 'bigint'
      WHEN c.data_type = 'INTEGER' THEN 'integer'
      WHEN c.data_type = 'SMALLINT' THEN 'smallint'
      WHEN c.data_type = 'DOUBLE' THEN 'double precision'
      WHEN c.data_type = 'FLOAT' THEN 'real'
      WHEN c.data_type = 'VARCHAR' THEN 'text'
      WHEN c.data_type = 'TIMESTAMP' THEN 'timestamp without time zone'
      WHEN c.data_type = 'TIMESTAMP WITH TIME ZONE' THEN 'timestamp with time zone'
      ELSE lower(c.data_type) END`;

/** `\d name`, third step: its columns. */
function relationColumns(oid: string): string {
  return `SELECT c.column_name AS attname, ${FORMAT_TYPE} AS format_type,
      c.column_default AS attdefault, NOT c.is_nullable AS attnotnull,
      NULL::VARCHAR AS attcollation, '' AS attidentity, '' AS attgenerated
    FROM duckdb_columns() AS c
    WHERE c.table_oid = ${oid} AND c.schema_name IN (${LISTED_SQL})
      AND c.database_name = current_database()
    ORDER BY c.column_index`;
}

/** The later steps of `\d name` ask for things the warehouse never has: none of them. */
const NEVER_THERE =
  /\bpg_catalog\.pg_(policy|statistic_ext|publication|inherits|trigger|index|constraint|rewrite)\b/;

/**
 * The query to run for `sql`: a replacement when it is one of psql's catalog queries (or
 * DBeaver's schema list, catalog-dbeaver.ts),
 * undefined when it is not (then `sql` runs as it is). 0A000 for `\d+`.
 */
export function catalogQuery(sql: string): string | undefined {
  if (!sql.includes('pg_catalog.')) return undefined;
  const dbeaver = dbeaverCatalogQuery(sql);
  if (dbeaver !== undefined) return dbeaver;
  if (/^SELECT n\.nspname as "Schema",\s+c\.relname as "Name"/.test(sql)) return listRelations(sql);
  if (/^SELECT c\.oid,\s+n\.nspname,\s+c\.relname\s+FROM pg_catalog\.pg_class c/.test(sql))
    return findRelations(sql);
  const oid = oidIn(sql);
  if (oid === undefined) return undefined;
  if (/^SELECT c\.relchecks, c\.relkind/.test(sql)) return relationInfo(oid);
  if (/^SELECT a\.attname,\s+pg_catalog\.format_type/.test(sql)) {
    if (/a\.attstorage/.test(sql))
      throw new AppError(
        'unprocessable',
        "psql's \\d+ is not answered by this server: use \\d, or DESCRIBE schema.table",
      );
    return relationColumns(oid);
  }
  if (NEVER_THERE.test(sql)) return 'SELECT NULL AS nothing WHERE false';
  return undefined;
}

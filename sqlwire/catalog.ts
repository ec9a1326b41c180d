/**
 * The catalog queries psql sends for `\dt`, `\dv`, `\d`, `\d name` and their `+` forms
 * (`\l`, `\dn`, `\df`: catalog-lists.ts), recognised and answered from DuckDB's own catalog
 * (duckdb_tables(), duckdb_views(), duckdb_columns()): they are written for PostgreSQL's
 * pg_catalog (pg_get_userbyid, OPERATOR(pg_catalog.~), pg_policy…), which DuckDB does not have.
 * As other wire-compatible databases do, each recognised query is replaced by one that answers
 * the same columns — and that query runs through the same guard, gate and history as any other
 * (session.ts), so this is no way around them.
 *
 * Recognised by psql 15's text (psql -E prints it). Tables and views of the schemas analysts
 * read are listed; the owner is `salesops`; no index, rule, trigger, policy, statistics object,
 * publication or inheritance is ever reported, because the warehouse has none an analyst could
 * use. `+` adds the models' descriptions (catalog-descriptions.ts), and for a view its
 * definition; see docs/sql.md for the list of what works.
 */
import { dbeaverCatalogQuery } from './catalog-dbeaver.ts';
import { columnsAsked, listQuery, selectList } from './catalog-lists.ts';
import { LISTED_SQL, patternOf, RELATIONS, sqlLiteral } from './catalog-scope.ts';

/** What a catalog answer needs besides psql's text: the session's database, the descriptions. */
export interface CatalogSession {
  /** The database name the client connected with (`\l` lists it). */
  database: string;
  /** The models' descriptions, by `schema.name` (catalog-descriptions.ts). */
  relationDescriptions(): Promise<Map<string, string>>;
  /** The column descriptions of the relation with this DuckDB oid, by column name. */
  columnDescriptions(oid: string): Promise<Map<string, string>>;
}

/** SQL for `key`'s entry in `texts` (a CASE over literals), NULL where it has none. */
function describedBy(key: string, texts: Map<string, string>): string {
  if (!texts.size) return 'NULL::VARCHAR';
  const whens = [...texts].map(([k, text]) => `WHEN ${sqlLiteral(k)} THEN ${sqlLiteral(text)}`);
  return `CASE ${key} ${whens.join(' ')} END`;
}

function relationFilter(sql: string): string {
  const parts = [`rel.schema_name IN (${LISTED_SQL})`];
  const schema = patternOf(sql, 'n.nspname');
  const name = patternOf(sql, 'c.relname');
  if (schema) parts.push(`regexp_matches(rel.schema_name, ${schema})`);
  if (name) parts.push(`regexp_matches(rel.name, ${name})`);
  return parts.join(' AND ');
}

/**
 * `\dt`, `\dv`, `\d` (and `+`): the relation list, by the kinds asked for, with the columns
 * psql's query names — `+` adds Persistence, Access method, Size (none: NULL) and the models'
 * descriptions.
 */
async function listRelations(sql: string, session: CatalogSession): Promise<string | undefined> {
  const kinds = /c\.relkind IN \(([^)]*)\)/.exec(sql)?.[1];
  if (kinds === undefined) return undefined;
  const wanted = [];
  if (/'r'|'p'/.test(kinds)) wanted.push("'table'");
  if (/'v'/.test(kinds)) wanted.push("'view'");
  if (!wanted.length) wanted.push("''");
  const asked = columnsAsked(sql);
  const known: Record<string, string> = {
    Schema: 'rel.schema_name',
    Name: 'rel.name',
    Type: 'rel.kind',
    Owner: "'salesops'",
    Persistence: "'permanent'",
    'Access method': "CASE rel.kind WHEN 'table' THEN 'duckdb' END",
  };
  if (asked.includes('Description'))
    known.Description = describedBy(
      "rel.schema_name || '.' || rel.name",
      await session.relationDescriptions(),
    );
  return `SELECT ${selectList(asked, known)}
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

/**
 * `\d+ name`'s extra columns, in the order psql's query names them: storage `plain` (DuckDB
 * keeps no value out of line, as TOAST does), compression the default (''), no statistics
 * target, and the model's @column description.
 */
const VERBOSE_COLUMNS: [token: string, value: string][] = [
  ['a.attstorage', "'p' AS attstorage"],
  ['a.attcompression', "'' AS attcompression"],
  ['a.attstattarget', 'NULL::INTEGER AS attstattarget'],
  ['pg_catalog.col_description(', 'description'],
];

/** `\d name`, third step: its columns (with `\d+`'s extras when the query asks for them). */
async function relationColumns(sql: string, oid: string, session: CatalogSession): Promise<string> {
  const extras = VERBOSE_COLUMNS.filter(([token]) => sql.includes(token)).sort(
    ([a], [b]) => sql.indexOf(a) - sql.indexOf(b),
  );
  const columns = extras.map(([, value]) => value);
  const i = columns.indexOf('description');
  if (i >= 0)
    columns[i] =
      `${describedBy('c.column_name', await session.columnDescriptions(oid))} AS col_description`;
  return `SELECT c.column_name AS attname, ${FORMAT_TYPE} AS format_type,
      c.column_default AS attdefault, NOT c.is_nullable AS attnotnull,
      NULL::VARCHAR AS attcollation, '' AS attidentity, '' AS attgenerated${columns.map((c) => `,\n      ${c}`).join('')}
    FROM duckdb_columns() AS c
    WHERE c.table_oid = ${oid} AND c.schema_name IN (${LISTED_SQL})
      AND c.database_name = current_database()
    ORDER BY c.column_index`;
}

/**
 * `\d+ view`'s last step: its definition, from DuckDB's own text of it without the
 * `CREATE VIEW name AS` that PostgreSQL's pg_get_viewdef leaves out too.
 */
function viewDefinition(oid: string): string {
  return `SELECT regexp_replace(v.sql, '^CREATE (OR REPLACE )?VIEW .+? AS ', '') AS pg_get_viewdef
    FROM duckdb_views() AS v
    WHERE v.view_oid = ${oid} AND v.schema_name IN (${LISTED_SQL})
      AND v.database_name = current_database()`;
}

/** The later steps of `\d name` ask for things the warehouse never has: none of them. */
const NEVER_THERE =
  /\bpg_catalog\.pg_(policy|statistic_ext|publication|inherits|trigger|index|constraint|rewrite)\b/;

/**
 * The query to run for `sql`: a replacement when it is one of psql's catalog queries (or
 * DBeaver's schema list, catalog-dbeaver.ts), undefined when it is not (then `sql` runs as it is).
 */
export async function catalogQuery(
  sql: string,
  session: CatalogSession,
): Promise<string | undefined> {
  if (!sql.includes('pg_catalog.')) return undefined;
  const dbeaver = dbeaverCatalogQuery(sql);
  if (dbeaver !== undefined) return dbeaver;
  const list = listQuery(sql, session.database);
  if (list !== undefined) return list;
  if (/^SELECT n\.nspname as "Schema",\s+c\.relname as "Name"/.test(sql))
    return listRelations(sql, session);
  if (/^SELECT c\.oid,\s+n\.nspname,\s+c\.relname\s+FROM pg_catalog\.pg_class c/.test(sql))
    return findRelations(sql);
  const view = /^SELECT pg_catalog\.pg_get_viewdef\('(\d+)'::pg_catalog\.oid, true\);?$/.exec(sql);
  if (view) return viewDefinition(view[1]!);
  const oid = oidIn(sql);
  if (oid === undefined) return undefined;
  if (/^SELECT c\.relchecks, c\.relkind/.test(sql)) return relationInfo(oid);
  if (/^SELECT a\.attname,\s+pg_catalog\.format_type/.test(sql))
    return relationColumns(sql, oid, session);
  if (NEVER_THERE.test(sql)) return 'SELECT NULL AS nothing WHERE false';
  return undefined;
}

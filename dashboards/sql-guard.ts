/**
 * Which tables a panel query reads, asked of DuckDB's own parser (json_serialize_sql) rather
 * than a regular expression: `raw.orders` hidden in a CTE, a subquery or a quoted name is still
 * a BASE_TABLE node in the parse tree. Runs when the dashboard files load, not per request.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/** What a query reads and binds, or why it is refused. */
export type QueryShape =
  | {
      ok: true;
      parameters: string[];
      relations: string[];
      /** The result's column names, when the parse tree tells them (null: `*`, a UNION, …). */
      columns: string[] | null;
    }
  | { ok: false; reason: string };

type Node = Record<string, unknown>;

function* nodes(value: unknown): Generator<Node> {
  if (Array.isArray(value)) for (const v of value) yield* nodes(v);
  else if (value && typeof value === 'object') {
    yield value as Node;
    for (const v of Object.values(value)) yield* nodes(v);
  }
}

/**
 * The schemas a panel may read: the marts, and `ops`, the read-only views over the pipeline's
 * own run logs (dashboards/ops-views.ts) that the data-health dashboard needs live — a mart is
 * only as new as the build before it. `raw`, `staging`, `core` and `meta` stay refused.
 */
export const PANEL_SCHEMAS: readonly string[] = ['marts', 'ops'];

/**
 * Judge a parse tree (the JSON json_serialize_sql returns): one SELECT whose every table is
 * `marts.<name>` (or `ops.<name>`) or a CTE of the query, no table functions (read_csv,
 * query_table, …). Pure, so it is tested without a database.
 */
export function judgeParseTree(tree: {
  error?: boolean;
  error_message?: string;
  statements?: unknown[];
}): QueryShape {
  if (tree.error)
    return { ok: false, reason: `not a SELECT DuckDB can parse: ${tree.error_message}` };
  if (tree.statements?.length !== 1)
    return {
      ok: false,
      reason: `must be one SELECT statement (has ${tree.statements?.length ?? 0})`,
    };
  const all = [...nodes(tree.statements[0])];
  const ctes = new Set<string>();
  for (const n of all) {
    const map = (n.cte_map as { map?: { key: string }[] } | undefined)?.map;
    for (const entry of map ?? []) ctes.add(entry.key.toLowerCase());
  }
  const parameters = new Set<string>();
  const relations = new Set<string>();
  for (const n of all) {
    if (n.type === 'TABLE_FUNCTION') {
      const fn = (n.function as Node | undefined)?.function_name;
      return { ok: false, reason: `may read only marts.* tables, not the table function ${fn}()` };
    }
    if (n.type === 'BASE_TABLE') {
      const schema = String(n.schema_name ?? '');
      const name = String(n.table_name ?? '');
      const isCte = schema === '' && ctes.has(name.toLowerCase());
      const allowed = PANEL_SCHEMAS.includes(schema.toLowerCase());
      if (!isCte && (n.catalog_name || !allowed))
        return {
          ok: false,
          reason: `may read only marts.* tables (or ops.* views), not ${[n.catalog_name, schema, name].filter(Boolean).join('.')}`,
        };
      if (!isCte) relations.add(`${schema.toLowerCase()}.${name}`);
    }
    if (n.class === 'PARAMETER') {
      const id = String(n.identifier ?? '');
      if (/^\d*$/.test(id))
        return { ok: false, reason: 'use named parameters ($from, $team, …), not ? or $1' };
      parameters.add(id);
    }
  }
  return {
    ok: true,
    parameters: [...parameters].sort(),
    relations: [...relations].sort(),
    columns: resultColumns(tree.statements[0]),
  };
}

/** The names of the outer SELECT's columns: the alias, or a column reference's last part. */
function resultColumns(statement: unknown): string[] | null {
  const node = (statement as { node?: Node } | undefined)?.node;
  if (node?.type !== 'SELECT_NODE' || !Array.isArray(node.select_list)) return null;
  const names: string[] = [];
  for (const item of node.select_list as Node[]) {
    if (typeof item.alias === 'string' && item.alias !== '') names.push(item.alias);
    else if (item.class === 'COLUMN_REF' && Array.isArray(item.column_names))
      names.push(String(item.column_names.at(-1)));
    else return null; // `*`, or an expression DuckDB names itself
  }
  return names;
}

/** A parser: DuckDB in memory (no tables needed to parse), closed with close(). */
export interface SqlParser {
  shape(sql: string): Promise<QueryShape>;
  close(): void;
}

/** Open an in-memory DuckDB used only to parse panel queries. */
export async function openSqlParser(): Promise<SqlParser> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn: DuckDBConnection = await instance.connect();
  return {
    async shape(sql) {
      const r = await conn.runAndReadAll('SELECT json_serialize_sql(CAST($1 AS VARCHAR))', [sql]);
      return judgeParseTree(JSON.parse(String(r.getRows()[0]![0])));
    },
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

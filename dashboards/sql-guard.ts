/**
 * Which tables a panel query reads, asked of DuckDB's own parser (json_serialize_sql) rather
 * than a regular expression, through the walker every warehouse read shares
 * (warehouse/read/tree.ts); panels keep a stricter rule on top: marts, ml and ops only, no table
 * functions, named parameters. Runs when the dashboard files load, not per request.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { walkStatement, type ParseTree } from '../warehouse/read/tree.ts';

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

/**
 * The schemas a panel may read: the marts; `ops`, the read-only views over the pipeline's own
 * run logs (dashboards/ops-views.ts) that the data-health dashboard needs live — a mart is only
 * as new as the build before it; and `ml`, the segmentation's runs (segment/store-warehouse.ts:
 * segments, clusters, churn scores, price suggestions, each row tagged with its run, and the
 * ml.runs / ml.tree_rules views of the run records). Those are written by the segment job, not
 * by a build — the models engine replaces `marts` wholesale and would drop them — and the
 * Customers dashboard shows how segments moved between runs, which only the kept runs can tell.
 * They hold what the customer API shows (segment, scores, churn risk), nothing more private.
 * `raw`, `staging`, `core` and `meta` stay refused.
 */
export const PANEL_SCHEMAS: readonly string[] = ['marts', 'ml', 'ops'];

/**
 * Judge a parse tree (the JSON json_serialize_sql returns): one SELECT whose every table is
 * `marts.<name>` (or `ops.<name>`) or a CTE of the query, no table functions (read_csv,
 * query_table, …). Pure, so it is tested without a database.
 */
export function judgeParseTree(tree: ParseTree): QueryShape {
  if (tree.error)
    return { ok: false, reason: `not a SELECT DuckDB can parse: ${tree.error_message}` };
  if (tree.statements?.length !== 1)
    return {
      ok: false,
      reason: `must be one SELECT statement (has ${tree.statements?.length ?? 0})`,
    };
  // No table function at all: a panel reads marts, it has no use for range() or unnest().
  const walked = walkStatement(tree.statements[0], { schemas: PANEL_SCHEMAS, tableFunctions: [] });
  if (!walked.ok) {
    const r = walked.refusal;
    return {
      ok: false,
      reason:
        r.kind === 'table-function'
          ? `may read only marts.* tables, not the table function ${r.name}()`
          : `may read only marts.* tables (or ml.* runs, ops.* views), not ${r.name}`,
    };
  }
  if (walked.reads.positional)
    return { ok: false, reason: 'use named parameters ($from, $team, …), not ? or $1' };
  return {
    ok: true,
    parameters: walked.reads.parameters,
    relations: walked.reads.relations,
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

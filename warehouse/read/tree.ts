/**
 * What one parsed statement reads, from DuckDB's own parse tree (json_serialize_sql), never from
 * a regular expression: `raw.orders` hidden in a CTE, a subquery or a quoted name is still a
 * BASE_TABLE node, and `read_csv` behind an alias is still a TABLE_FUNCTION node. Pure, so the
 * rules are tested without a database. Two callers judge with it: analyst SQL
 * (warehouse/read/guard.ts) and dashboard panels (dashboards/sql-guard.ts, stricter rules).
 */

/** A node of the parse tree. */
export type TreeNode = Record<string, unknown>;

/** Every object in `value`, depth first. */
export function* treeNodes(value: unknown): Generator<TreeNode> {
  if (Array.isArray(value)) for (const v of value) yield* treeNodes(v);
  else if (value && typeof value === 'object') {
    yield value as TreeNode;
    for (const v of Object.values(value)) yield* treeNodes(v);
  }
}

/** The JSON json_serialize_sql answers: statements, or a parser error with its offset. */
export interface ParseTree {
  error?: boolean;
  error_message?: string;
  /** `parser` for text DuckDB cannot parse; `not implemented` for a statement that is not a SELECT. */
  error_type?: string;
  /** Character offset of a parser error (a string in DuckDB's JSON). */
  position?: string;
  statements?: unknown[];
}

/** What a statement may touch. */
export interface ReadRules {
  /** Schemas (lower case) whose tables and views may be read. */
  schemas: readonly string[];
  /** Table functions (lower case) that may appear in FROM; every other one is refused. */
  tableFunctions: readonly string[];
  /** `schema.name` (lower case) refused although its schema is allowed. */
  deniedRelations?: readonly string[];
  /** Scalar functions (lower case) refused wherever they appear. */
  deniedFunctions?: readonly string[];
}

/** Why a statement is refused, for the caller to word. */
export type Refusal =
  | { kind: 'table-function'; name: string }
  | { kind: 'function'; name: string }
  | { kind: 'relation'; name: string; unqualified: boolean };

/** What a statement reads and binds. */
export interface StatementReads {
  relations: string[];
  /** Named parameters ($from); positional ones (?, $1) are listed as `positional`. */
  parameters: string[];
  positional: boolean;
}

/**
 * Walk one statement of a parse tree under `rules`: every table is `schema.name` in an allowed
 * schema or a CTE of the query (an unqualified other name could be a file path DuckDB would
 * scan: `FROM '/etc/passwd'`), every table function is on the list, nothing names another
 * catalog (ATTACHed or `temp`).
 */
export function walkStatement(
  statement: unknown,
  rules: ReadRules,
): { ok: true; reads: StatementReads } | { ok: false; refusal: Refusal } {
  const all = [...treeNodes(statement)];
  const ctes = new Set<string>();
  for (const n of all) {
    const map = (n.cte_map as { map?: { key: string }[] } | undefined)?.map;
    for (const entry of map ?? []) ctes.add(entry.key.toLowerCase());
  }
  const parameters = new Set<string>();
  const relations = new Set<string>();
  let positional = false;
  for (const n of all) {
    if (n.type === 'TABLE_FUNCTION') {
      const name = String((n.function as TreeNode | undefined)?.function_name ?? '');
      if (!rules.tableFunctions.includes(name.toLowerCase()))
        return { ok: false, refusal: { kind: 'table-function', name } };
    }
    if (n.class === 'FUNCTION' && n.type === 'FUNCTION') {
      const name = String(n.function_name ?? '').toLowerCase();
      if (rules.deniedFunctions?.includes(name))
        return { ok: false, refusal: { kind: 'function', name } };
    }
    if (n.type === 'BASE_TABLE') {
      const schema = String(n.schema_name ?? '');
      const name = String(n.table_name ?? '');
      const isCte = schema === '' && !n.catalog_name && ctes.has(name.toLowerCase());
      if (isCte) continue;
      if (n.catalog_name || !rules.schemas.includes(schema.toLowerCase()))
        return {
          ok: false,
          refusal: {
            kind: 'relation',
            name: [n.catalog_name, schema, name].filter(Boolean).join('.'),
            unqualified: !schema,
          },
        };
      const relation = `${schema.toLowerCase()}.${name}`;
      if (rules.deniedRelations?.includes(relation.toLowerCase()))
        return { ok: false, refusal: { kind: 'relation', name: relation, unqualified: false } };
      relations.add(relation);
    }
    if (n.class === 'PARAMETER') {
      const id = String(n.identifier ?? '');
      if (/^\d*$/.test(id)) positional = true;
      else parameters.add(id);
    }
  }
  return {
    ok: true,
    reads: {
      relations: [...relations].sort(),
      parameters: [...parameters].sort(),
      positional,
    },
  };
}

/** 1-based line and column of character `offset` in `sql`. */
export function lineColumn(sql: string, offset: number): { line: number; column: number } {
  const before = sql.slice(0, Math.max(0, offset));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}

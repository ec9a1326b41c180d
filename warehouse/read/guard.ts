/**
 * The analyst guard: is this text exactly one read of the warehouse? Asked of DuckDB's own
 * parser, in an order that never lets DuckDB touch a file before the answer is known:
 *  1. json_serialize_sql: the text parses (else 400 with line and column), and DuckDB serialises
 *     only SELECT-family statements (SELECT, WITH, VALUES, FROM-first, DESCRIBE, SHOW,
 *     SUMMARIZE, PIVOT with its IN list), so a PRAGMA — which prepares as a SELECT — or a COPY
 *     never gets a tree; EXPLAIN gets one for what it explains;
 *  2. the tree holds exactly one statement: a second one hidden after a comment or in a string
 *     trick is counted by the parser, not by us;
 *  3. the tree is walked (tree.ts): allowed schemas only, table functions from a short list;
 *  4. only then prepare, which binds (read_csv would sniff its file here), and the prepared
 *     statement's type must be SELECT (or EXPLAIN of the read judged in 3).
 * The statement type alone is not enough: `EXPLAIN ANALYZE CREATE TABLE u AS SELECT 1` reports
 * EXPLAIN and creates u, and read_text() reports SELECT. enable_external_access=false and
 * lock_configuration (warehouse/duckdb.ts) stay as the backstop.
 */
import {
  StatementType,
  type DuckDBConnection,
  type DuckDBPreparedStatement,
} from '@duckdb/node-api';
import { AppError, fieldProblem } from '../../api/errors.ts';
import { badSql } from './errors.ts';
import { firstColumn, parseTree } from './parse.ts';
import { walkStatement, type ParseTree, type ReadRules, type StatementReads } from './tree.ts';

/**
 * What analysts may read. marts, core, staging: the models (what the docs describe); raw: the
 * ingest's copy of the operational tables — secrets are never ingested (ingest/deny-list.ts), so
 * nothing there is more private than the API already shows an analyst; ops: the run-log views;
 * ml: the segmentation's runs (segment/store-warehouse.ts) — segments, clusters, churn scores and
 * price suggestions per run, and ml.runs / ml.tree_rules, the readable face of the run records
 * in meta.ml_runs (as ops.* is of the engine's logs), which is what an analyst checking a churn
 * tree or comparing runs asks for. information_schema and pg_catalog: the catalog, for
 * DESCRIBE-like questions. Refused: meta (the model engine's bookkeeping — compiled SQL, run
 * state — whose shape is internal and may change under a saved query; ops.* and ml.runs are its
 * stable read-only faces), main and temp (nothing of ours lives there; `temp` is per
 * connection), any other catalog.
 */
export const ANALYST_SCHEMAS: readonly string[] = [
  'marts',
  'core',
  'staging',
  'raw',
  'ops',
  'ml',
  'information_schema',
  'pg_catalog',
];

/**
 * Table functions an analyst may call: generators and the catalog. A list of what is allowed,
 * not of what is refused, because every DuckDB release adds readers (read_csv, read_parquet,
 * read_json, read_text, read_blob, glob, parquet_metadata, sniff_csv, query, query_table,
 * duckdb_secrets, duckdb_settings, …) that a refusal list would miss.
 */
export const ANALYST_TABLE_FUNCTIONS: readonly string[] = [
  'range',
  'generate_series',
  'unnest',
  'json_each',
  'json_tree',
  'duckdb_schemas',
  'duckdb_tables',
  'duckdb_views',
  'duckdb_columns',
  'duckdb_constraints',
  'duckdb_indexes',
  'duckdb_types',
  'duckdb_functions',
  'duckdb_keywords',
];

/**
 * The settings stay out of reach by every door: duckdb_settings() is not on the list above, and
 * pg_catalog.pg_settings (a view over it) and current_setting() read the same values — the
 * server's folders among them.
 */
export const ANALYST_DENIED_RELATIONS: readonly string[] = ['pg_catalog.pg_settings'];
export const ANALYST_DENIED_FUNCTIONS: readonly string[] = ['current_setting'];

const ANALYST_RULES: ReadRules = {
  schemas: ANALYST_SCHEMAS,
  tableFunctions: ANALYST_TABLE_FUNCTIONS,
  deniedRelations: ANALYST_DENIED_RELATIONS,
  deniedFunctions: ANALYST_DENIED_FUNCTIONS,
};

const READS = 'SELECT, WITH, VALUES, FROM, DESCRIBE, SHOW, SUMMARIZE, or EXPLAIN of one of those';

/** Why a kind of statement is refused, by its first keyword (for the message only). */
const WHY: Record<string, string> = {
  COPY: 'COPY writes files or tables',
  EXPORT: 'EXPORT DATABASE writes files',
  IMPORT: 'IMPORT DATABASE writes the warehouse',
  ATTACH: 'ATTACH opens another database',
  DETACH: 'DETACH closes a database',
  INSTALL: 'INSTALL adds extensions',
  FORCE: 'FORCE INSTALL adds extensions and FORCE CHECKPOINT writes the warehouse file',
  LOAD: 'LOAD loads extensions',
  SET: 'SET changes settings',
  RESET: 'RESET changes settings',
  PRAGMA: 'PRAGMA can change settings or write (use DESCRIBE, SHOW or SUMMARIZE)',
  CALL: 'CALL runs table functions and pragmas',
  CHECKPOINT: 'CHECKPOINT writes the warehouse file',
  VACUUM: 'VACUUM writes the warehouse file',
  ANALYZE: 'ANALYZE writes statistics',
  EXPLAIN: 'EXPLAIN is allowed only of a read (EXPLAIN ANALYZE runs what it explains)',
  BEGIN: 'transactions are not needed for a read',
  COMMIT: 'transactions are not needed for a read',
  ROLLBACK: 'transactions are not needed for a read',
  PREPARE: 'PREPARE defines statements (send params instead)',
  EXECUTE: 'EXECUTE runs prepared statements',
  DEALLOCATE: 'DEALLOCATE drops prepared statements',
  USE: 'USE changes the connection',
  PIVOT: 'PIVOT without an IN list creates a type first (write PIVOT … ON col IN (…))',
};
for (const w of ['CREATE', 'INSERT', 'UPDATE', 'DELETE', 'DROP', 'ALTER', 'TRUNCATE', 'MERGE'])
  WHY[w] = `${w} writes the warehouse`;

/** A refused statement: 422 naming why. */
export function refused(why: string): AppError {
  return new AppError('unprocessable', `refused: ${why}; only one read may run (${READS})`, {
    reason: why,
  });
}

/**
 * Position after leading blanks and comments of `sql` from `at` — a lexer for the prefix only,
 * used to name a refused statement and to find what an EXPLAIN explains; the verdict itself is
 * the parser's.
 */
function skipBlank(sql: string, at: number): number {
  for (;;) {
    while (at < sql.length && /\s/.test(sql[at]!)) at++;
    if (sql.startsWith('--', at)) {
      const nl = sql.indexOf('\n', at);
      at = nl < 0 ? sql.length : nl + 1;
    } else if (sql.startsWith('/*', at)) {
      const end = sql.indexOf('*/', at + 2);
      at = end < 0 ? sql.length : end + 2;
    } else return at;
  }
}

function wordAt(sql: string, at: number): { word: string; end: number } {
  const start = skipBlank(sql, at);
  const m = /^[A-Za-z_]+/.exec(sql.slice(start));
  return { word: (m?.[0] ?? '').toUpperCase(), end: start + (m?.[0].length ?? 0) };
}

/** The text an EXPLAIN explains: after EXPLAIN, an optional ANALYZE and an optional (options). */
function explained(sql: string): string | undefined {
  let { word, end } = wordAt(sql, 0);
  if (word !== 'EXPLAIN') return undefined;
  const next = wordAt(sql, end);
  if (next.word === 'ANALYZE' || next.word === 'ANALYSE') end = next.end;
  const open = skipBlank(sql, end);
  if (sql[open] === '(') {
    const close = sql.indexOf(')', open);
    if (close < 0) return undefined;
    end = close + 1;
  }
  return sql.slice(end);
}

function judge(statement: unknown): StatementReads {
  const walked = walkStatement(statement, ANALYST_RULES);
  if (walked.ok) return walked.reads;
  const r = walked.refusal;
  if (r.kind === 'function')
    throw refused(`${r.name}() reads the server's settings, which stay out of reach`);
  if (r.kind === 'table-function')
    throw refused(
      `the table function ${r.name}() is not allowed (files, network, settings and dynamic SQL stay out of reach; allowed: ${ANALYST_TABLE_FUNCTIONS.join(', ')})`,
    );
  if (ANALYST_DENIED_RELATIONS.includes(r.name.toLowerCase()))
    throw refused(`${r.name} shows the server's settings, which stay out of reach`);
  throw refused(
    r.unqualified
      ? `${r.name} has no schema: name it as schema.table (marts.mart_sales_lines) — an unqualified name can also be a file DuckDB would read`
      : `${r.name} is outside the schemas analysts read (${ANALYST_SCHEMAS.join(', ')})`,
  );
}

/** Lower-case `schema.name` of the warehouse's tables (or views), from DuckDB's catalog. */
async function catalogNames(conn: DuckDBConnection, kind: 'table' | 'view'): Promise<Set<string>> {
  const found = await conn.run(
    `SELECT lower(schema_name) || '.' || lower(${kind}_name) FROM duckdb_${kind}s()`,
  );
  return new Set(firstColumn(found));
}

/**
 * 400 for a relation the warehouse does not have, before DuckDB binds it: binding an unknown
 * name tries it as a file (a replacement scan — `marts."x.csv"` opens `marts.x.csv`), and the
 * guard lets DuckDB open nothing. Tables are looked up first and views only for what is not a
 * table: most reads name only tables, and one catalog query instead of a union of both saves
 * ~0.4 ms of a 10-row answer (DuckDB's views include its ~50 catalog views, bench/sql.ts).
 */
async function refuseMissing(
  conn: DuckDBConnection,
  sql: string,
  relations: readonly string[],
): Promise<void> {
  if (!relations.length) return;
  const tables = await catalogNames(conn, 'table');
  let missing = relations.filter((r) => !tables.has(r.toLowerCase()));
  if (missing.length) {
    const views = await catalogNames(conn, 'view');
    missing = missing.filter((r) => !views.has(r.toLowerCase()));
  }
  if (missing.length)
    throw badSql(new Error(`Catalog Error: Table with name ${missing[0]} does not exist`), sql);
}

/** A statement that passed the guard, prepared on `conn` and ready to bind and run. */
export interface GuardedStatement {
  prepared: DuckDBPreparedStatement;
  reads: StatementReads;
  explain: boolean;
  /** The parse tree of the read (of what EXPLAIN explains), for a caller that re-serialises it. */
  tree: ParseTree;
}

/** First keywords of the reads: text starting so but not serialisable holds a second statement. */
const READ_WORDS = new Set([
  '',
  'SELECT',
  'WITH',
  'FROM',
  'VALUES',
  'TABLE',
  'DESCRIBE',
  'SHOW',
  'SUMMARIZE',
  'UNPIVOT',
]);

/** Why text the parser would not serialise as reads is refused, named by its first keyword. */
function notARead(sql: string): AppError {
  const word = wordAt(sql, 0).word;
  if (READ_WORDS.has(word))
    return refused(
      'exactly one statement may run, and this text holds another one that is not a read (a ; separates them)',
    );
  return refused(WHY[word] ?? `${word} is not a read`);
}

/**
 * Judge `sql` and prepare it on `conn`: 400 (with line and column) when DuckDB cannot parse or
 * bind it, 422 naming why when it is not exactly one read of the allowed schemas.
 *
 * The statements are counted from json_serialize_sql's tree, not with extractStatements, which
 * runs the parser's PRAGMA expansion: `IMPORT DATABASE 'dir'` reads dir/schema.sql there and
 * splices its statements in — a file read, and its text in an error message, before any check.
 * Text that is not all reads is therefore never handed to extractStatements or prepare.
 */
export async function guardRead(conn: DuckDBConnection, sql: string): Promise<GuardedStatement> {
  let tree = await parseTree(conn, sql);
  let explain = false;
  if (tree.error && tree.error_type === 'parser')
    throw badSql(
      tree.error_message,
      sql,
      tree.position === undefined ? undefined : Number(tree.position),
    );
  if (tree.error) {
    // Not all SELECT-family statements: an EXPLAIN of one read, or refused.
    const inner = explained(sql);
    const innerTree = inner === undefined ? undefined : await parseTree(conn, inner);
    if (!innerTree || innerTree.error || innerTree.statements?.length !== 1) throw notARead(sql);
    tree = innerTree;
    explain = true;
  }
  const count = tree.statements?.length ?? 0;
  if (count === 0) throw fieldProblem('bad_request', 'sql', 'no statement to run', 'body');
  if (count !== 1)
    throw refused(`exactly one statement may run, and this text has ${count} (a ; separates them)`);
  const reads = judge(tree.statements![0]);
  await refuseMissing(conn, sql, reads.relations);

  let prepared: DuckDBPreparedStatement;
  try {
    prepared = await conn.prepare(sql);
  } catch (e) {
    throw badSql(e, sql);
  }
  const expected = explain ? StatementType.EXPLAIN : StatementType.SELECT;
  if (prepared.statementType !== expected) {
    prepared.destroySync();
    throw refused(`${StatementType[prepared.statementType] ?? 'this statement'} is not a read`);
  }
  return { prepared, reads, explain, tree };
}

/**
 * Questions clients ask about their session right after connecting, answered from the session
 * itself: DuckDB would answer them with its own facts, which mislead a PostgreSQL client.
 *
 * - `SELECT current_schema(),session_user` (DBeaver's first query, PostgreExecutionContext):
 *   DuckDB says `main` and `duckdb`; the answer is the first readable schema of the session's
 *   search_path (NULL when there is none, as PostgreSQL says when no schema of the path exists —
 *   names here always need their schema) and the user name the client signed in with.
 * - `SELECT version()` (DBeaver, SQLAlchemy's dialect, which refuses a server whose version()
 *   does not start with `PostgreSQL n.n`): the announced version, saying what it is.
 *
 * Recognised by their exact text (case and spacing aside), as catalog.ts recognises psql's;
 * answered without DuckDB, so not in the query history (nothing ran).
 */
import { ANALYST_SCHEMAS } from '../warehouse/read/guard.ts';
import type { ColumnDescription } from './backend.ts';
import { SERVER_VERSION } from './session-parameters.ts';
import { OID } from './types.ts';

/** What a connect-time question is answered from. */
export interface SessionFacts {
  user: string;
  searchPath: string;
}

/** A connect-time question's answer: one row. */
export interface FactAnswer {
  columns: ColumnDescription[];
  row: (string | null)[];
}

const text = (name: string): ColumnDescription => ({
  name,
  typeOid: OID.text,
  typeSize: -1,
  typeModifier: -1,
});

/** The first schema of `searchPath` an analyst may read, unquoted; null for none. */
function currentSchema(searchPath: string): string | null {
  for (const part of searchPath.split(',')) {
    const name = part.trim().replace(/^"(.*)"$/, '$1');
    if ((ANALYST_SCHEMAS as readonly string[]).includes(name)) return name;
  }
  return null;
}

/** The statement `sql` as compared: lower case, single spaces, no trailing semicolon. */
const normal = (sql: string) =>
  sql
    .trim()
    .replace(/;\s*$/, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*([(),])\s*/g, '$1')
    .toLowerCase();

const QUESTIONS: Record<string, (facts: SessionFacts) => FactAnswer> = {
  'select current_schema(),session_user': (f) => ({
    columns: [text('current_schema'), text('session_user')],
    row: [currentSchema(f.searchPath), f.user],
  }),
  'select current_schema()': (f) => ({
    columns: [text('current_schema')],
    row: [currentSchema(f.searchPath)],
  }),
  'select version()': () => ({
    columns: [text('version')],
    row: [`PostgreSQL ${SERVER_VERSION}`],
  }),
  'select pg_catalog.version()': () => ({
    columns: [text('version')],
    row: [`PostgreSQL ${SERVER_VERSION}`],
  }),
};

/** The answer to `sql` when it is one of the questions above; undefined otherwise. */
export function connectQuestion(sql: string): ((facts: SessionFacts) => FactAnswer) | undefined {
  if (sql.length > 200) return undefined;
  return QUESTIONS[normal(sql)];
}

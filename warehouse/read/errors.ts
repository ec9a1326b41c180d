/**
 * DuckDB's errors for a query someone typed, as answers that help them: DuckDB's own message
 * with the line and column it points at (400), a query stopped at its time limit (408), a
 * query bigger than the warehouse's memory (422) — never a 500, because none of these is a bug
 * of ours.
 */
import { AppError } from '../../api/errors.ts';
import { lineColumn } from './tree.ts';

/** DuckDB's message without the "Error: " a JavaScript Error's string adds. */
export function duckMessage(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/^Error: /, '').replace(/^Failed to extract statements: /, '');
}

/**
 * Line and column DuckDB points at: its message ends with `LINE n: <text>` and a caret under
 * the spot. A long line is shown cut (`...` in front), and then the caret's column is not the
 * text's, so only the line is given.
 */
export function pointedAt(message: string): { line: number; column?: number } | undefined {
  const m = /LINE (\d+): (.*)\n( *)\^/.exec(message);
  if (!m) return undefined;
  const line = Number(m[1]);
  if (m[2]!.startsWith('...')) return { line };
  return { line, column: m[3]!.length - `LINE ${m[1]}: `.length + 1 };
}

/**
 * 400 for SQL DuckDB cannot parse, bind or run (a table or function it does not have —
 * getenv — a type mismatch, a bad cast): DuckDB's message, with `line` and `column` when known
 * (`offset` is a parser error's character offset in `sql`).
 */
export function badSql(e: unknown, sql: string, offset?: number): AppError {
  const message = duckMessage(e);
  const at = offset !== undefined ? lineColumn(sql, offset) : pointedAt(message);
  // The first line is the sentence; the rest repeats the query around the caret.
  const first = message.split('\n')[0]!;
  const where = at ? ` (line ${at.line}${at.column ? `, column ${at.column}` : ''})` : '';
  return new AppError('bad_request', `sql${where}: ${first}`, {
    errors: [{ field: 'sql', in: 'body', message: first }],
    duckdb: message,
    ...(at ?? {}),
  });
}

/** 408: the query ran past `timeoutMs` and was interrupted. */
export function timedOut(timeoutMs: number): AppError {
  return new AppError(
    'timeout',
    `the query ran past its time limit of ${timeoutMs} ms and was stopped; narrow it, or ask for a longer timeoutMs`,
    { timeoutMs },
  );
}

/** 408 as well: the query's client cancelled it (the SQL wire protocol's cancel request). */
export function cancelled(): AppError {
  return new AppError('timeout', 'the query was cancelled by its client and was stopped', {
    cancelled: true,
  });
}

/** A DuckDB error raised while a query we guarded runs, as the answer it deserves. */
export function runError(e: unknown, sql: string): AppError {
  const message = duckMessage(e);
  if (/^Out of Memory Error/i.test(message))
    return new AppError(
      'unprocessable',
      `the query needs more memory than the warehouse may use (SALESOPS_WAREHOUSE_MEMORY): ${message.split('\n')[0]}`,
    );
  // enable_external_access=false caught what the guard let through: refused, not bad SQL.
  if (/^Permission Error/i.test(message))
    return new AppError('unprocessable', `refused: ${message.split('\n')[0]}`);
  return badSql(e, sql);
}

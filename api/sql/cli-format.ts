/**
 * How `salesops sql` prints a result: psql's aligned table by default (a centred header, a
 * separator, numbers right-aligned, `(N rows)` below), or the API's own JSON answer. Both start
 * from the JSON answer of POST /sql, whether the server sent it or this process ran the query,
 * so a value prints the same either way: decimals exact, timestamps ISO, lists as JSON text.
 * (CSV is the API's writer, api/sql/csv.ts, or the server's text/csv answer as it came.)
 */
import type { JsonCell } from './cells.ts';

/** The JSON answer of POST /sql (api/sql/schemas.ts, sqlResult). */
export interface SqlAnswer {
  columns: { name: string; type: string }[];
  rows: JsonCell[][];
  rowCount: number;
  truncated: boolean;
  elapsedMs: number;
}

/** Output formats of `salesops sql`. */
export const SQL_CLI_FORMATS = ['aligned', 'csv', 'json'] as const;
export type SqlCliFormat = (typeof SQL_CLI_FORMATS)[number];

// DuckDB types whose values are numbers (right-aligned, as psql does).
const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL|VARINT)\b/;

/** One cell as text: NULL as `nullText` (psql's default is empty), nested values as JSON. */
export function cellText(cell: JsonCell, nullText = ''): string {
  if (cell === null) return nullText;
  if (typeof cell === 'object') return JSON.stringify(cell);
  return String(cell);
}

/**
 * A cell on one line of the table. psql wraps a value with a newline over several lines; here
 * it stays on one, its line breaks and tabs written as \n, \r and \t, so every row is a line
 * (and `grep` still finds it).
 */
function oneLine(text: string): string {
  return text.replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, '\\t');
}

// Characters as a terminal counts them (code points; wide characters are rare in sales data).
const width = (s: string) => [...s].length;
const padEnd = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - width(s)));
const padStart = (s: string, n: number) => ' '.repeat(Math.max(0, n - width(s))) + s;
function centre(s: string, n: number): string {
  const left = Math.floor((n - width(s)) / 2);
  return padEnd(' '.repeat(Math.max(0, left)) + s, n);
}

/** The `(N rows)` line, and what the limit cut. */
export function rowsFooter(answer: Pick<SqlAnswer, 'rowCount' | 'truncated'>): string {
  const n = answer.rowCount;
  const rows = `${n} ${n === 1 ? 'row' : 'rows'}`;
  return answer.truncated ? `(${rows}; more were cut at the row limit, see --limit)` : `(${rows})`;
}

/**
 * psql's aligned format:
 * ```
 *  id | name  |  amount
 * ----+-------+---------
 *   1 | Alpha |  120.50
 * (1 row)
 * ```
 * Trailing spaces are left off each line, as psql does for a left-aligned last column.
 */
export function alignedText(answer: SqlAnswer, nullText = ''): string {
  const right = answer.columns.map((c) => NUMERIC.test(c.type));
  const header = answer.columns.map((c) => oneLine(c.name));
  const body = answer.rows.map((row) => row.map((cell) => oneLine(cellText(cell, nullText))));
  const widths = header.map((h, i) => Math.max(width(h), ...body.map((r) => width(r[i]!))));
  const line = (cells: string[]) => ` ${cells.join(' | ')}`.trimEnd();
  const out = [
    line(header.map((h, i) => centre(h, widths[i]!))),
    widths.map((w) => '-'.repeat(w + 2)).join('+'),
    ...body.map((r) =>
      line(r.map((c, i) => (right[i] ? padStart(c, widths[i]!) : padEnd(c, widths[i]!)))),
    ),
    rowsFooter(answer),
  ];
  return out.join('\n') + '\n';
}

/** The JSON answer on one line (for jq and scripts). */
export function jsonText(answer: SqlAnswer): string {
  return JSON.stringify(answer) + '\n';
}

/**
 * `format=csv` for the reports: RFC 4180 (CRLF, quotes doubled), a header row from the column
 * list, so an empty report is still a file a spreadsheet opens with the right columns.
 */
import type { Response } from 'express';

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV text of `rows` with `columns` in that order. */
export function toCsv<T extends Record<string, unknown>>(
  columns: readonly (keyof T & string)[],
  rows: readonly T[],
): string {
  const lines = [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))];
  return lines.join('\r\n') + '\r\n';
}

/** Send `rows` as a CSV download named `name.csv`. */
export function sendCsv<T extends Record<string, unknown>>(
  res: Response,
  name: string,
  columns: readonly (keyof T & string)[],
  rows: readonly T[],
): void {
  res
    .status(200)
    .type('text/csv; charset=utf-8')
    .setHeader('content-disposition', `attachment; filename="${name}.csv"`)
    .send(toCsv(columns, rows));
}

/**
 * `format=csv` for the reports: RFC 4180 (CRLF, quotes doubled), a header row from the column
 * list, so an empty report is still a file a spreadsheet opens with the right columns.
 *
 * Text cells are neutralised against formula injection (OWASP "CSV Injection"): a customer named
 * `=HYPERLINK("http://evil.example","click")` would otherwise run as a formula in the analyst's
 * spreadsheet. A text cell starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'` and is
 * quoted. Numbers are not text: JS numbers, and decimal strings in columns the row schema types
 * as money, are written as they are, so `-12.50` stays a number a spreadsheet can sum. The
 * column's type decides, not the look of the text: a product named `-12.50` is still text.
 *
 * This is the only CSV a person downloads. The other CSV in the code base is transport between
 * our own databases (`COPY … FROM/TO` in db/, ingest/, the demo and the import) and must stay
 * byte-faithful, so it is not touched.
 */
import type { Response } from 'express';
import { z } from 'zod';

/** How a column's cells are written: `text` is neutralised, `number` and `decimal` are not. */
export type CsvKind = 'text' | 'number' | 'decimal';

/** One CSV column: the row field and its kind. */
export interface CsvColumn<T> {
  name: keyof T & string;
  kind: CsvKind;
}

/** The characters that make a spreadsheet read a cell as a formula (OWASP's list). */
const FORMULA_START = /^[=+\-@\t\r]/;
/** What a decimal cell must look like to be written unchanged (anything else is text). */
const DECIMAL = /^-?\d+(\.\d+)?$/;

function quoted(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/** One CSV cell of `v` written as `kind` (text neutralised, numbers as they are). */
export function csvCell(v: unknown, kind: CsvKind): string {
  if (v === null || v === undefined) return '';
  // A value that is a number at run time is a number whatever the column says (union columns
  // such as the sales report's key hold an id or a text).
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  const s = String(v);
  if (kind === 'decimal' && DECIMAL.test(s)) return s;
  if (FORMULA_START.test(s)) return quoted(`'${s}`);
  return /[",\r\n]/.test(s) ? quoted(s) : s;
}

function unwrap(t: z.ZodType): z.ZodType {
  let inner = t;
  while (inner instanceof z.ZodNullable || inner instanceof z.ZodOptional)
    inner = inner.unwrap() as z.ZodType;
  return inner;
}

/**
 * The CSV columns of a row schema, in its field order: numbers and booleans are `number`, fields
 * built from `decimalText` (the money schema) are `decimal`, everything else is `text`.
 */
export function csvColumns<T extends z.ZodRawShape>(
  row: z.ZodObject<T>,
  decimalText: z.ZodType,
): CsvColumn<z.infer<z.ZodObject<T>>>[] {
  return Object.entries(row.shape).map(([name, field]) => {
    const t = unwrap(field as z.ZodType);
    const kind: CsvKind =
      t === decimalText
        ? 'decimal'
        : t instanceof z.ZodNumber || t instanceof z.ZodBoolean || t instanceof z.ZodBigInt
          ? 'number'
          : 'text';
    return { name: name as keyof z.infer<z.ZodObject<T>> & string, kind };
  });
}

/** CSV text of `rows` with `columns` in that order. */
export function toCsv<T extends Record<string, unknown>>(
  columns: readonly CsvColumn<T>[],
  rows: readonly T[],
): string {
  const lines = [
    columns.map((c) => c.name).join(','),
    ...rows.map((r) => columns.map((c) => csvCell(r[c.name], c.kind)).join(',')),
  ];
  return lines.join('\r\n') + '\r\n';
}

/** Send `rows` as a CSV download named `name.csv`. */
export function sendCsv<T extends Record<string, unknown>>(
  res: Response,
  name: string,
  columns: readonly CsvColumn<T>[],
  rows: readonly T[],
): void {
  res
    .status(200)
    .type('text/csv; charset=utf-8')
    .setHeader('content-disposition', `attachment; filename="${name}.csv"`)
    .send(toCsv(columns, rows));
}

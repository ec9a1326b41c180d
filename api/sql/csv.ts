/**
 * The text/csv answer of POST /sql: RFC 4180 with a header row, the cells as in the JSON answer
 * (exact decimals, ISO timestamps; a list or struct as its JSON text). Number columns are
 * written as they are; text is neutralised against formula injection like the reports' CSV
 * (api/reports/csv.ts), because this file too is opened in a spreadsheet.
 */
import { DuckDBTypeId } from '@duckdb/node-api';
import { csvCell, type CsvKind } from '../reports/csv.ts';
import { jsonRows } from './json-columns.ts';
import type { SqlResult } from './service.ts';

// Types whose cells arrive as exact number strings ("-12.50", "9007199254740993").
const EXACT_TYPES = new Set<DuckDBTypeId>([
  DuckDBTypeId.DECIMAL,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.UHUGEINT,
]);
const NUMBER_TYPES = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.DOUBLE,
  DuckDBTypeId.BOOLEAN,
]);

/** `result` as CSV text (CRLF line ends, a header row even without rows). */
export function toCsvText(result: SqlResult): string {
  const kinds: CsvKind[] = result.columns.map((c) =>
    EXACT_TYPES.has(c.duckType.typeId)
      ? 'decimal'
      : NUMBER_TYPES.has(c.duckType.typeId)
        ? 'number'
        : 'text',
  );
  const lines = [result.columns.map((c) => csvCell(c.name, 'text')).join(',')];
  for (const row of jsonRows(result))
    lines.push(
      row
        .map((cell, i) => {
          const text = cell !== null && typeof cell === 'object' ? JSON.stringify(cell) : cell;
          return csvCell(text, kinds[i]!);
        })
        .join(','),
    );
  return lines.join('\r\n') + '\r\n';
}

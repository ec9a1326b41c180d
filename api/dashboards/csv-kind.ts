/** How a DuckDB column type is written in a CSV download (api/reports/csv.ts kinds). */
import type { CsvKind } from '../reports/csv.ts';

/** DECIMAL cells stay numbers in the CSV (money), as do integer and floating columns. */
export function csvKind(type: string): CsvKind {
  if (type.startsWith('DECIMAL')) return 'decimal';
  return /^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|FLOAT|DOUBLE)$/.test(type) ? 'number' : 'text';
}

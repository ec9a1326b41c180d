/** The application/json answer of POST /sql: columns, rows as arrays, counts and time. */
import type { z } from 'zod';
import { jsonCell } from './cells.ts';
import type { sqlResult } from './schemas.ts';
import { resultRows, type SqlResult } from './service.ts';

/** `result` as the JSON answer (exact strings for BIGINT, HUGEINT, DECIMAL; ISO timestamps). */
export function toJsonAnswer(result: SqlResult): z.output<typeof sqlResult> {
  return {
    columns: result.columns.map((c) => ({ name: c.name, type: c.type })),
    rows: resultRows(result).map((row) => row.map(jsonCell)),
    rowCount: result.rowCount,
    truncated: result.truncated,
    elapsedMs: result.elapsedMs,
  };
}

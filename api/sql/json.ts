/** The application/json answer of POST /sql: columns, rows as arrays, counts and time. */
import type { z } from 'zod';
import type { sqlResult } from './schemas.ts';
import { jsonRows } from './json-columns.ts';
import type { SqlResult } from './service.ts';

/** `result` as the JSON answer (exact strings for BIGINT, HUGEINT, DECIMAL; ISO timestamps). */
export function toJsonAnswer(result: SqlResult): z.output<typeof sqlResult> {
  return {
    columns: result.columns.map((c) => ({ name: c.name, type: c.type })),
    rows: jsonRows(result),
    rowCount: result.rowCount,
    truncated: result.truncated,
    elapsedMs: result.elapsedMs,
  };
}

/** Request and answer shapes of POST /sql. */
import { z } from 'zod';

/** A parameter value: DuckDB infers its type (whole numbers INTEGER/BIGINT, text VARCHAR, …). */
const paramValue = z.union([
  z.string(),
  // A whole number past 2^53 has already lost digits in JSON: ask for the exact text instead.
  z
    .number()
    .refine(
      (n) => !Number.isInteger(n) || Number.isSafeInteger(n),
      'a whole number past 2^53 is not exact in JSON; send it as a string',
    ),
  z.boolean(),
  z.null(),
]);

/** Upper bound of `limit` for every role: a million rows is the largest answer we build. */
export const MAX_ROW_LIMIT = 1_000_000;

export const sqlBody = z.strictObject({
  sql: z.string().trim().min(1, 'write a query').max(100_000, 'at most 100000 characters'),
  params: z
    .union([z.array(paramValue), z.record(z.string().regex(/^\w+$/), paramValue)])
    .optional()
    .meta({
      description: 'values for ? or $1 (an array), or for named $name parameters (an object)',
    }),
  limit: z
    .number()
    .int()
    .min(1)
    .max(MAX_ROW_LIMIT)
    .optional()
    .meta({ description: 'rows to answer at most (default SALESOPS_SQL_ROW_LIMIT, 10000)' }),
  timeoutMs: z.number().int().min(1).optional().meta({
    description:
      'stop the query after this long (default SALESOPS_SQL_TIMEOUT_SECONDS; at most 120000 for an analyst, 600000 for an admin)',
  }),
});

export type SqlBody = z.output<typeof sqlBody>;

export const sqlResult = z.object({
  columns: z.array(
    z.object({ name: z.string(), type: z.string().meta({ example: 'DECIMAL(18,2)' }) }),
  ),
  rows: z.array(z.array(z.unknown())).meta({
    description:
      'one array per row, in column order: BIGINT, HUGEINT and DECIMAL as exact strings, timestamps ISO 8601, lists as arrays, NULL as null',
  }),
  rowCount: z.number().int(),
  truncated: z.boolean().meta({ description: 'more rows than `limit` were there' }),
  elapsedMs: z.number().int(),
});

/**
 * Ad-hoc SQL for analysts and admins: the limits that depend on who asks, then the one read
 * path (warehouse/read/run.ts), which guards, times and caps the query. The format writers
 * (json.ts, csv.ts, arrow.ts, parquet.ts) turn the result into an answer; saved queries, the
 * history and the CLI build on runSql.
 */
import type { DuckDBDataChunk, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import type { AppContext } from '../../context.ts';
import type { Role } from '../../db/schema.ts';
import { gateOf, type ReadGate } from '../../warehouse/read/gate.ts';
import { readSql, type SqlReadResult } from '../../warehouse/read/run.ts';
import type { Principal } from '../auth/principal.ts';
import { AppError, fieldProblem } from '../errors.ts';

/** The longest time limit each role may ask for (ms); an analyst's is shorter than an admin's. */
export const TIMEOUT_CAP_MS: Partial<Record<Role, number>> = {
  analyst: 120_000,
  admin: 600_000,
};

/** What to run. */
export interface SqlRequest {
  sql: string;
  params?: DuckDBValue[] | Record<string, DuckDBValue>;
  limit?: number;
  timeoutMs?: number;
  /** Stops the query as its time limit does (readSql's `signal`). */
  signal?: AbortSignal;
}

/** A result column: its name, DuckDB's type as text (`DECIMAL(18,2)`) and the type itself. */
export interface SqlColumn {
  name: string;
  type: string;
  duckType: DuckDBType;
}

/**
 * A query's result, before a format writer turns it into an answer: DuckDB's data chunks as
 * read, which the Arrow and JSON writers take column buffers from (vectors.ts), and values
 * where a type has no buffer path.
 */
export interface SqlResult {
  columns: SqlColumn[];
  /** The chunks read, in order: the answer is their first `rowCount` rows (one more may follow). */
  chunks: DuckDBDataChunk[];
  rowCount: number;
  truncated: boolean;
  elapsedMs: number;
}

/** The limits `principal` runs `request` with: 400 naming the field past its role's cap. */
export function sqlLimits(
  ctx: AppContext,
  principal: Pick<Principal, 'role'>,
  request: Pick<SqlRequest, 'limit' | 'timeoutMs'>,
): { limit: number; timeoutMs: number } {
  const cap = TIMEOUT_CAP_MS[principal.role];
  if (cap === undefined)
    throw new AppError('forbidden', `role ${principal.role} may not run its own SQL`);
  const timeoutMs = request.timeoutMs ?? Math.min(ctx.config.sqlTimeoutMs, cap);
  if (timeoutMs > cap)
    throw fieldProblem('bad_request', 'timeoutMs', `at most ${cap} for ${principal.role}`, 'body');
  return { limit: request.limit ?? ctx.config.sqlRowLimit, timeoutMs };
}

/** The analyst gate of the context's warehouse (config: SALESOPS_SQL_CONCURRENCY, _QUEUE). */
export function sqlGate(ctx: AppContext): ReadGate {
  if (!ctx.warehouse) throw new AppError('unavailable', 'this server runs without a warehouse');
  return gateOf(ctx.warehouse, {
    running: ctx.config.sqlConcurrency,
    waiting: ctx.config.sqlQueue,
  });
}

/**
 * Run `request` for `principal`: 400 bad SQL (line, column), 408 past its time limit, 422
 * refused (why), 429 too many queries at once (Retry-After), 503 without a warehouse.
 */
export async function runSql(
  ctx: AppContext,
  principal: Pick<Principal, 'role'>,
  request: SqlRequest,
): Promise<SqlResult> {
  const { limit, timeoutMs } = sqlLimits(ctx, principal, request);
  const gate = sqlGate(ctx);
  const result = await readSql(ctx.warehouse!, request.sql, {
    params: request.params,
    limit,
    timeoutMs,
    gate,
    signal: request.signal,
  });
  return sqlResultOf(result);
}

/** A guarded read as a result for the format writers (runSql's, and the CLI's without a server). */
export function sqlResultOf(read: SqlReadResult): SqlResult {
  return {
    columns: read.names.map((name, i) => ({
      name,
      type: read.types[i]!.toString(),
      duckType: read.types[i]!,
    })),
    chunks: read.chunks,
    rowCount: read.rowCount,
    truncated: read.truncated,
    elapsedMs: read.elapsedMs,
  };
}

/** Rows kept from each chunk of `result`, in order: all of each but the last, which may be cut. */
export function chunkRowCounts(result: Pick<SqlResult, 'chunks' | 'rowCount'>): number[] {
  let left = result.rowCount;
  return result.chunks.map((chunk) => {
    const kept = Math.min(chunk.rowCount, left);
    left -= kept;
    return kept;
  });
}

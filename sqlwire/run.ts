/**
 * One statement from a wire client, through the same door as POST /api/v1/sql: the role's
 * limits and the analyst gate (api/sql/service.ts runSql), the guard and the time limit
 * (warehouse/read/), and a row in the query history whatever happens (format `pgwire`). The
 * row cap is the server's (SALESOPS_SQL_ROW_LIMIT): the protocol has no place to ask for more,
 * so a result cut short says so in a notice (connection.ts).
 */
import type { DuckDBType, DuckDBValue } from '@duckdb/node-api';
import type { Principal } from '../api/auth/principal.ts';
import { AppError } from '../api/errors.ts';
import { startRecording } from '../api/sql/history.ts';
import { runSql, sqlLimits, type SqlResult } from '../api/sql/service.ts';
import type { AppContext } from '../context.ts';
import { guardRead } from '../warehouse/read/guard.ts';
import { withReadConnection } from '../warehouse/read/run.ts';

/**
 * Run `sql` with `params` for `principal`, recorded in the history. Throws what runSql does.
 * `timeoutMs`: the session's statement_timeout (already within the role's cap); the server's
 * default without it.
 */
export async function runRecorded(
  ctx: AppContext,
  principal: Principal,
  sql: string,
  params: DuckDBValue[] | undefined,
  options: { signal: AbortSignal; timeoutMs?: number },
): Promise<SqlResult> {
  const record = startRecording(ctx, {
    principal,
    sql,
    savedQueryId: null,
    format: () => 'pgwire',
  });
  try {
    const result = await runSql(ctx, principal, { sql, params, ...options });
    await record({ status: 200, rowCount: result.rowCount, truncated: result.truncated });
    return result;
  } catch (e) {
    const problem = e instanceof AppError ? e : undefined;
    if (!problem) ctx.logger.error({ err: e }, 'a SQL wire query failed');
    await record({
      status: problem?.status ?? 500,
      error: problem?.message ?? 'internal error (the server log has the details)',
    });
    throw e;
  }
}

/** What Describe of a statement answers: its parameters' and columns' types, nothing run. */
export interface StatementShape {
  parameterCount: number;
  columns: { name: string; type: DuckDBType }[];
}

/**
 * The shape of `sql` as the guard judges and DuckDB prepares it (Describe before Bind, which
 * psycopg and JDBC send): the same refusals as running it, but no row in the history — nothing
 * was run.
 */
export async function describeSql(
  ctx: AppContext,
  principal: Principal,
  sql: string,
): Promise<StatementShape> {
  const { timeoutMs } = sqlLimits(ctx, principal, {});
  if (!ctx.warehouse) throw new AppError('unavailable', 'this server runs without a warehouse');
  return withReadConnection(ctx.warehouse, timeoutMs, async (conn) => {
    const { prepared } = await guardRead(conn, sql);
    try {
      const columns = [];
      for (let i = 0; i < prepared.columnCount; i++)
        columns.push({ name: prepared.columnName(i), type: prepared.columnType(i) });
      return { parameterCount: prepared.parameterCount, columns };
    } finally {
      prepared.destroySync();
    }
  });
}

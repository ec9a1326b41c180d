/**
 * The query history: one row per query run through POST /sql, a saved run or the PostgreSQL
 * wire protocol (sqlwire/run.ts, format `pgwire`), whatever its outcome — who, what, when, how
 * long, how many rows, and the problem's detail when it failed (what the person was told, never
 * a stack). Recording never fails the query: a write that fails
 * is logged and the answer goes out as it would have.
 */
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import type { SqlHistoryTable } from '../../db/schema-sql.ts';
import type { Principal } from '../auth/principal.ts';
import type { IdPage } from '../pagination.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** What one run leaves in the history. */
export interface RunRecord {
  principal: Principal;
  sql: string;
  format: string;
  savedQueryId: number | null;
  startedAt: Date;
  elapsedMs: number;
  status: number;
  rowCount: number | null;
  truncated: boolean | null;
  error: string | null;
}

/**
 * Append `run` to the history; a failed write is logged, never thrown. The row is written
 * before the answer goes out (so the history a caller reads next holds it), but committed
 * without waiting for PostgreSQL to flush it to disk (synchronous_commit off for this one
 * transaction, set in its RETURNING so it takes one round trip): waiting for that flush was
 * 1–3.5 ms of every answer on this machine, the largest single cost of a 10-row query
 * (bench/sql.ts), for a log row. The price: if the PostgreSQL server itself crashes, runs of
 * the last moment before it (at most 3 × wal_writer_delay, 0.6 s by default) can be missing
 * from the history — never a torn or half-written row, and nothing else is committed so.
 */
export async function recordRun(ctx: AppContext, run: RunRecord): Promise<void> {
  try {
    await ctx.ops.db
      .insertInto('sql_history')
      .values({
        user_id: run.principal.userId,
        api_key_id: run.principal.keyId,
        saved_query_id: run.savedQueryId,
        sql: run.sql,
        format: run.format,
        started_at: run.startedAt,
        elapsed_ms: Math.max(0, Math.round(run.elapsedMs)),
        status: run.status,
        row_count: run.rowCount,
        truncated: run.truncated,
        // A problem's detail is bounded by what we write, but DuckDB's messages quote the query.
        error: run.error === null ? null : run.error.slice(0, 2000),
      })
      .returning(sql<string>`set_config('synchronous_commit', 'off', true)`.as('async_commit'))
      .execute();
  } catch (e) {
    ctx.logger.warn({ err: e }, 'the SQL history could not record a query');
  }
}

/** What a finished query came to, for its history row. */
export interface RunOutcome {
  status: number;
  rowCount?: number;
  truncated?: boolean | null;
  error?: string;
}

/**
 * Start timing one query for the history; the function returned records it, called once with
 * how it ended. `format` is asked then, as an answer may choose it on the way (HTTP's Accept).
 * Shared by POST /api/v1/sql (answer.ts) and the SQL wire protocol (sqlwire/run.ts).
 */
export function startRecording(
  ctx: AppContext,
  run: { principal: Principal; sql: string; savedQueryId: number | null; format: () => string },
): (outcome: RunOutcome) => Promise<void> {
  const startedAt = new Date();
  const started = performance.now();
  return (outcome) =>
    recordRun(ctx, {
      principal: run.principal,
      sql: run.sql,
      format: run.format(),
      savedQueryId: run.savedQueryId,
      startedAt,
      elapsedMs: performance.now() - started,
      status: outcome.status,
      rowCount: outcome.rowCount ?? null,
      truncated: outcome.truncated ?? null,
      error: outcome.error ?? null,
    });
}

/** Whose history a list shows: one user, one machine key, or (admin, no filter) everyone. */
export type HistoryOwner = { userId: number } | { keyId: number } | null;

/** Newest first: `afterId` is the last id of the previous page, so the next holds smaller ids. */
export function listHistory(
  db: Db,
  owner: HistoryOwner,
  filter: { savedQueryId?: number },
  page: IdPage,
) {
  let q = db.selectFrom('sql_history').selectAll();
  if (owner && 'userId' in owner) q = q.where('user_id', '=', owner.userId);
  if (owner && 'keyId' in owner)
    q = q.where('api_key_id', '=', owner.keyId).where('user_id', 'is', null);
  if (filter.savedQueryId !== undefined) q = q.where('saved_query_id', '=', filter.savedQueryId);
  if (page.afterId !== undefined) q = q.where('id', '<', page.afterId);
  return q.orderBy('id', 'desc').limit(page.limit).execute();
}

export const historyDto = z.object({
  id: z.number(),
  userId: z.number().nullable().meta({ description: 'who ran it (null: a machine key)' }),
  apiKeyId: z.number().nullable().meta({ description: 'the key it came with (null: a browser)' }),
  savedQueryId: z
    .number()
    .nullable()
    .meta({ description: 'the saved query run, if it was one (null once that query is deleted)' }),
  sql: z.string(),
  format: z
    .enum(['json', 'csv', 'arrow', 'parquet', 'pgwire'])
    .meta({ description: 'pgwire: run over the PostgreSQL wire protocol (docs/sql.md)' }),
  startedAt: z.string(),
  elapsedMs: z.number().int(),
  status: z.number().int().meta({ description: '200, or the status of the problem answered' }),
  rowCount: z.number().int().nullable(),
  truncated: z
    .boolean()
    .nullable()
    .meta({ description: 'null when it failed, or for Parquet (which does not tell)' }),
  error: z.string().nullable().meta({ description: "the problem's detail when it failed" }),
});

/** A history row as the API answers it. */
export function toHistoryDto(r: Selectable<SqlHistoryTable>): z.output<typeof historyDto> {
  return {
    id: r.id,
    userId: r.user_id,
    apiKeyId: r.api_key_id,
    savedQueryId: r.saved_query_id,
    sql: r.sql,
    format: r.format as z.output<typeof historyDto>['format'],
    startedAt: r.started_at.toISOString(),
    elapsedMs: r.elapsed_ms,
    status: r.status,
    rowCount: r.row_count,
    truncated: r.truncated,
    error: r.error,
  };
}

/** Delete history older than `days` (the cleanup job, SALESOPS_HISTORY_DAYS); rows deleted. */
export async function deleteHistoryOlderThan(db: Db, days: number): Promise<number> {
  const r = await db
    .deleteFrom('sql_history')
    .where('started_at', '<', sql<Date>`clock_timestamp() - make_interval(days => ${days})`)
    .executeTakeFirst();
  return Number(r.numDeletedRows ?? 0);
}

/**
 * The one read path of the warehouse: reports, dashboards, the model API and analyst SQL all
 * read DuckDB through here. Every read gets its own connection (DuckDB connections are cheap
 * and not safe to share between concurrent requests), closed when it ends, and a time limit
 * enforced by interrupting the connection's query — DuckDB has no statement timeout of its own,
 * and interrupt() is what stops a runaway cross join while the server keeps answering.
 *
 * Two doors, one path:
 *  - readSql: text someone typed. It waits for a slot at the analyst gate (gate.ts), passes the
 *    guard (guard.ts: one read, allowed schemas, no file functions), binds `params`, and reads
 *    DuckDB's data chunks until it has `limit` + 1 rows, to know whether it was cut short. The
 *    chunks are handed over as they are (not as values), so a format writer can take a column's
 *    buffers straight from them (api/sql/arrow-vectors.ts).
 *  - readTrusted: SQL written in this code base (reports, dashboard files checked at load by
 *    dashboards/sql-guard.ts, model docs). It skips the guard and the gate — it is ours, short,
 *    and must not queue behind an analyst — but gets the same connection and time limit.
 */
import type {
  DuckDBConnection,
  DuckDBDataChunk,
  DuckDBPreparedStatement,
  DuckDBResultReader,
  DuckDBType,
  DuckDBValue,
} from '@duckdb/node-api';
import { AppError } from '../../api/errors.ts';
import type { Warehouse } from '../duckdb.ts';
import { cancelled, duckMessage, runError, timedOut } from './errors.ts';
import type { ReadGate } from './gate.ts';
import { guardRead } from './guard.ts';

/** Parameter values: positional (?, $1) as an array, named ($from) as an object. */
export type ReadParams = DuckDBValue[] | Record<string, DuckDBValue>;

/** How an internal read runs. */
export interface TrustedReadOptions {
  params?: ReadParams;
  /** Types of the parameters (a typed NULL for an absent filter). */
  types?: DuckDBType[] | Record<string, DuckDBType>;
  /** Stop the query after this long (408). Internal reads default to DEFAULT_TRUSTED_TIMEOUT_MS. */
  timeoutMs?: number;
}

/**
 * Internal reads are short (the slowest report on the demo data takes well under a second);
 * this only keeps a bug from holding a libuv thread for ever.
 */
export const DEFAULT_TRUSTED_TIMEOUT_MS = 60_000;

/** How an analyst's read runs. */
export interface SqlReadOptions {
  params?: ReadParams;
  /** Rows kept; one more is read to know the result was `truncated`. */
  limit: number;
  timeoutMs: number;
  /** The analyst gate to pass (concurrency cap); none for a caller that has its own. */
  gate?: ReadGate;
  /**
   * Stops the query as its time limit does (the SQL wire protocol's cancel request): aborted,
   * the connection is interrupted and the read answers 408, saying it was cancelled.
   */
  signal?: AbortSignal;
}

/** What a guarded read answers. */
export interface SqlReadResult {
  /** The result's column names, in order. */
  names: string[];
  /** The result's column types, in order. */
  types: DuckDBType[];
  /**
   * DuckDB's data chunks as read, none empty: up to limit + 1 rows in all, of which the first
   * `rowCount` are the answer. They stay readable after the connection is closed.
   */
  chunks: DuckDBDataChunk[];
  rowCount: number;
  truncated: boolean;
  elapsedMs: number;
}

/**
 * Open a connection, run `work` on it with `timeoutMs` enforced by interrupt(), close it.
 * A query interrupted because the time ran out (or `signal` aborted) answers 408, whatever
 * `work` was doing.
 */
export async function withReadConnection<T>(
  warehouse: Warehouse,
  timeoutMs: number,
  work: (conn: DuckDBConnection) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  if (signal?.aborted) throw cancelled();
  const conn = await warehouse.connect();
  let stopped: 'time' | 'cancel' | undefined;
  // An interrupt that lands between two of `work`'s queries (the guard asks several) finds none
  // running and is lost — a 1 ms limit let a cross join run 68 s. Once stopped, the connection
  // is interrupted again every 50 ms until `work` ends.
  let again: NodeJS.Timeout | undefined;
  const stop = (why: 'time' | 'cancel') => {
    stopped ??= why;
    conn.interrupt();
    again ??= setInterval(() => conn.interrupt(), 50);
  };
  const timer = setTimeout(() => stop('time'), timeoutMs);
  const cancel = () => stop('cancel');
  signal?.addEventListener('abort', cancel);
  try {
    // Aborted while the connection opened: that event has fired and will not again.
    if (signal?.aborted) throw cancelled();
    const result = await work(conn);
    // Stopped while `work` was between queries, and it finished anyway: the limit still holds.
    if (stopped) throw stopped === 'time' ? timedOut(timeoutMs) : cancelled();
    return result;
  } catch (e) {
    // The guard words DuckDB's errors as its own (a 400 quoting "Interrupted"): the same stop.
    const message = e instanceof AppError ? e.message : duckMessage(e);
    if (stopped && /interrupt/i.test(message))
      throw stopped === 'time' ? timedOut(timeoutMs) : cancelled();
    throw e;
  } finally {
    clearTimeout(timer);
    clearInterval(again);
    signal?.removeEventListener('abort', cancel);
    conn.closeSync();
  }
}

/** Run trusted SQL (ours) on its own connection, with a time limit; all rows. */
export async function readTrusted(
  warehouse: Warehouse,
  sql: string,
  options: TrustedReadOptions = {},
): Promise<DuckDBResultReader> {
  return withReadConnection(warehouse, options.timeoutMs ?? DEFAULT_TRUSTED_TIMEOUT_MS, (conn) =>
    conn.runAndReadAll(sql, options.params, options.types),
  );
}

/** Bind `params` to `prepared`: 400 naming `params` when they do not fit its parameters. */
export function bindParams(
  prepared: DuckDBPreparedStatement,
  params: ReadParams | undefined,
): void {
  const want = prepared.parameterCount;
  const given = params === undefined ? 0 : Object.keys(params).length;
  if (want !== given)
    throw new AppError(
      'bad_request',
      `params: the query has ${want} parameter(s) and ${given} value(s) were given`,
      { errors: [{ field: 'params', in: 'body', message: `expected ${want} value(s)` }] },
    );
  if (!params || want === 0) return;
  try {
    prepared.bind(params);
  } catch (e) {
    const message = duckMessage(e).split('\n')[0]!;
    throw new AppError('bad_request', `params: ${message}`, {
      errors: [{ field: 'params', in: 'body', message }],
    });
  }
}

/**
 * Run SQL someone typed: through the gate, the guard and the limits. 400 bad SQL (line and
 * column), 408 past its time, 422 refused (naming why), 429 too many at once.
 */
export async function readSql(
  warehouse: Warehouse,
  sql: string,
  options: SqlReadOptions,
): Promise<SqlReadResult> {
  const leave = options.gate ? await options.gate.enter() : () => {};
  try {
    return await withReadConnection(
      warehouse,
      options.timeoutMs,
      async (conn) => {
        const started = performance.now();
        const statement = await guardRead(conn, sql);
        // An interrupt between two of DuckDB's queries (the guard asks several) finds none
        // running and is lost: a cancel is also looked for at each step.
        const stopIfCancelled = () => {
          if (options.signal?.aborted) throw cancelled();
        };
        try {
          stopIfCancelled();
          bindParams(statement.prepared, options.params);
          const chunks: DuckDBDataChunk[] = [];
          let read = 0;
          let names: string[];
          let types: DuckDBType[];
          try {
            // Streaming: DuckDB stops producing once limit + 1 rows are read.
            const result = await statement.prepared.stream();
            stopIfCancelled();
            names = result.columnNames();
            types = result.columnTypes();
            while (read <= options.limit) {
              const chunk = await result.fetchChunk();
              stopIfCancelled();
              if (!chunk || chunk.rowCount === 0) break;
              chunks.push(chunk);
              read += chunk.rowCount;
            }
          } catch (e) {
            if (e instanceof AppError) throw e; // cancelled
            if (/interrupt/i.test(duckMessage(e))) throw e; // withReadConnection says 408
            throw runError(e, sql);
          }
          return {
            names,
            types,
            chunks,
            rowCount: Math.min(read, options.limit),
            truncated: read > options.limit,
            elapsedMs: Math.round(performance.now() - started),
          };
        } finally {
          statement.prepared.destroySync();
        }
      },
      options.signal,
    );
  } finally {
    leave();
  }
}

/**
 * Which failures are worth another attempt, and the wait between attempts. A database that is
 * restarting, a lock another process holds for a moment, a DuckDB write-write conflict: these
 * pass within seconds. A model file error or a bad request does not, and retrying it only
 * delays the report of what to fix.
 */

/** SQLSTATEs that mean "try again": connection lost, server shutting down, too many
 *  connections, serialization failure, deadlock, lock not available. */
const TRANSIENT_SQLSTATES = new Set([
  '08000',
  '08001',
  '08003',
  '08006',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '40001',
  '40P01',
  '55P03',
]);

const TRANSIENT_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/** DuckDB says these in its messages (it has no codes): another transaction got there first. */
const TRANSIENT_DUCKDB = /write-write conflict|Conflict on|Could not set lock|database is locked/i;

export function isTransient(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; depth++) {
    const err = cur as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
    if (typeof err.code === 'string') {
      if (TRANSIENT_SQLSTATES.has(err.code) || TRANSIENT_NODE_CODES.has(err.code)) return true;
    }
    if (err.name === 'IngestBusyError') return true;
    if (typeof err.message === 'string') {
      if (TRANSIENT_DUCKDB.test(err.message)) return true;
      if (/Connection terminated|terminating connection/i.test(err.message)) return true;
    }
    cur = err.cause;
  }
  return false;
}

/** Attempts per run (the first and two retries), and the waits before each retry. */
export const MAX_ATTEMPTS = 3;
export const BACKOFF_MS = [2_000, 10_000] as const;

/** Resolves after `ms`, or rejects with the signal's reason when it is aborted first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** One line for the run record and the alert. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

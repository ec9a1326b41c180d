/**
 * Jobs that write PostgreSQL (stock-alerts, follow-ups, cleanup) run under a database-wide
 * advisory lock, so several API instances on one database never run the same job at once. The
 * lock is a session lock on a connection held for the run: it is released when the run ends, or
 * by PostgreSQL itself when the process dies. The embedded database is one process by design (the
 * data folder lock), so there is nobody to exclude and no lock is taken.
 */
import type { OperationalDb } from '../db/operational.ts';

/** `fn`'s result, or undefined when another process holds the job's lock. */
export async function withDatabaseJobLock<T>(
  ops: OperationalDb,
  job: string,
  fn: () => Promise<T>,
): Promise<T | undefined> {
  if (ops.kind === 'embedded') return fn();
  const client = await ops.pool.connect();
  try {
    const key = `salesops.job.${job}`;
    const got = await client.query<{ ok: boolean }>(
      'SELECT pg_try_advisory_lock(hashtext($1)) AS ok',
      [key],
    );
    if (!got.rows[0]?.ok) return undefined;
    try {
      return await fn();
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [key]);
    }
  } finally {
    client.release();
  }
}

/**
 * Transactions that take row locks. On PostgreSQL two of them can still deadlock (40P01) or fail
 * serialization (40001) under load; both are safe to run again from the start, so we do, a few
 * times with a short random pause. PGlite runs one transaction at a time and never hits this.
 * So is a prepared statement gone stale after a schema change (db/prepared-pool.ts): the retry
 * runs on fresh statement names.
 */
import type { Kysely, Transaction } from 'kysely';
import { isStalePlanError } from '../../db/prepared-pool.ts';
import type { DB } from '../../db/schema.ts';

const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 6;

/** Run `fn` in a transaction, retrying it on deadlock / serialization failure. */
export async function withLockingTransaction<T>(
  db: Kysely<DB>,
  fn: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(fn);
    } catch (e) {
      const code = (e as { code?: string }).code;
      const retryable = (code !== undefined && RETRYABLE.has(code)) || isStalePlanError(e);
      if (!retryable || attempt >= ATTEMPTS) throw e;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
    }
  }
}

/**
 * Transactions that take row locks. On PostgreSQL two of them can still deadlock (40P01) or fail
 * serialization (40001) under load; both are safe to run again from the start, so we do, a few
 * times with a short random pause. PGlite runs one transaction at a time and never hits this.
 */
import type { Kysely, Transaction } from 'kysely';
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
      if (!code || !RETRYABLE.has(code) || attempt >= ATTEMPTS) throw e;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
    }
  }
}

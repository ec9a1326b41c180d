/**
 * Order numbers: `SO-` and the value of `order_number_seq`, zero-padded to at least six digits
 * and never cut (SO-000042, SO-999999, SO-1000000). Rows can arrive with numbers the sequence
 * never handed out — the demo, `salesops import`, hand-written SQL — so whoever bulk-loads orders
 * moves the sequence past them in the same transaction, and the API skips a taken number anyway.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from './schema.ts';

/**
 * The next order number, as an SQL expression. lpad alone truncates to its length: 1,000,000
 * would come out as SO-100000, so the width grows with the number.
 */
export const NEXT_ORDER_NUMBER = sql<string>`(SELECT 'SO-' || lpad(n::text, greatest(6, length(n::text)), '0')
  FROM (SELECT nextval('order_number_seq') AS n) s)`;

/** Advisory-lock key of our own for "order_number_seq is being advanced" (locks are per key). */
const ADVANCE_LOCK = 0x50_0ad7;

/**
 * Move `order_number_seq` past the highest `SO-<digits>` number in orders, never backwards, so
 * nextval cannot hand out a number that is already taken. It scans orders, so it runs after a
 * bulk load and when an insert met a taken number, not per order. Numbers of more than 18 digits
 * are beyond what the sequence can reach and are left out.
 *
 * Must run inside a transaction on one connection (the API's create, the import, the demo load):
 * it uses a savepoint.
 *
 * Race-free: a setval from a stale read would move the sequence back under numbers concurrent
 * creates had just taken, and later creates would meet them again (retries, and a 409 once the
 * attempts run out). So advances take turns under an advisory lock, scan after it is granted,
 * and compare with the sequence in the statement that sets it; one that finds the sequence
 * already past `top` writes nothing. The lock is taken in a savepoint that is then rolled back:
 * that releases it at once — held to commit, a create holding it that then waits on an import's
 * uncommitted row would deadlock with the import's own advance — while the setval stays
 * (sequence changes are never rolled back). Plain nextval needs no lock: it only moves forward,
 * and what it draws in the microseconds between that statement's read and its setval is at most
 * `top`, so the setval cannot go below it.
 */
export async function advanceOrderNumbers(db: Kysely<DB> | Transaction<DB>): Promise<void> {
  await sql`SAVEPOINT order_number_advance`.execute(db);
  try {
    await sql`SELECT pg_advisory_xact_lock(${sql.lit(ADVANCE_LOCK)})`.execute(db);
    const { rows } = await sql<{ top: string | null }>`
      SELECT max(substring(number FROM 4)::bigint)::text AS top FROM orders
      WHERE number ~ '^SO-[0-9]{1,18}$'`.execute(db);
    const top = rows[0]?.top;
    // Read and set in one row of one statement, after the scan: the sequence's value is as fresh
    // as it can be when it is compared.
    if (top != null)
      await sql`
        SELECT setval('order_number_seq', ${top}::bigint) FROM order_number_seq
        WHERE ${top}::bigint > CASE WHEN is_called THEN last_value ELSE last_value - 1 END`.execute(
        db,
      );
  } finally {
    // Releases the lock; keeps the setval (see above). After an error the caller's transaction
    // is rolled back as a whole, so a failure here only adds to that.
    await sql`ROLLBACK TO SAVEPOINT order_number_advance`.execute(db);
    await sql`RELEASE SAVEPOINT order_number_advance`.execute(db);
  }
}

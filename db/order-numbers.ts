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

/**
 * Move `order_number_seq` past the highest `SO-<digits>` number in orders (never backwards), so
 * nextval cannot hand out a number that is already taken. One statement; it scans orders, so it
 * runs after a bulk load and when an insert met a taken number, not per order. Numbers of more
 * than 18 digits are beyond what the sequence can reach and are left out.
 */
export async function advanceOrderNumbers(db: Kysely<DB> | Transaction<DB>): Promise<void> {
  await sql`
    SELECT setval('order_number_seq', t.top)
    FROM (SELECT max(substring(number FROM 4)::bigint) AS top FROM orders
          WHERE number ~ '^SO-[0-9]{1,18}$') t
    WHERE t.top > (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END
                   FROM order_number_seq)`.execute(db);
}

/** Whether a database is empty enough for the demo (it uses fixed ids, so it needs a clean slate). */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../schema.ts';

/**
 * True when no customers, products, orders or reps exist. The demo load is one transaction, so
 * "not empty" never means "a demo load was interrupted half-way".
 */
export async function isEmptyForDemo(db: Kysely<DB>): Promise<boolean> {
  const { rows } = await sql<{ used: boolean }>`
    SELECT EXISTS (SELECT 1 FROM customers) OR EXISTS (SELECT 1 FROM products)
        OR EXISTS (SELECT 1 FROM orders) OR EXISTS (SELECT 1 FROM sales_reps) AS used`.execute(db);
  return !rows[0]?.used;
}

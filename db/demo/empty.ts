/** Whether a database is empty enough for the demo (it uses fixed ids, so it needs a clean slate). */
import { sql } from 'kysely';
import type { OperationalDb } from '../operational.ts';

export async function isEmptyForDemo(ops: OperationalDb): Promise<boolean> {
  const { rows } = await sql<{ used: boolean }>`
    SELECT EXISTS (SELECT 1 FROM customers) OR EXISTS (SELECT 1 FROM products)
        OR EXISTS (SELECT 1 FROM orders) OR EXISTS (SELECT 1 FROM sales_reps) AS used`.execute(
    ops.db,
  );
  return !rows[0]?.used;
}

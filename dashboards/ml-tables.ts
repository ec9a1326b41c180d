/**
 * The `ml` schema for the dashboards, before the segment job has ever run. Its tables are written
 * by segment/store-warehouse.ts when a segmentation run lands, so on a new installation — or any
 * warehouse built but not yet segmented — they do not exist, and the Customers and Inventory
 * panels over them would answer 503 and the start's EXPLAIN check (bind-check.ts) would skip
 * them unbound. Created empty instead, the panels bind at start and say there is no run yet.
 *
 * Only when something is missing: ensureMlTables is idempotent, but touching the catalog while
 * the segment job holds its transaction on those tables is a conflict worth not risking.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { ensureMlTables } from '../segment/store-warehouse.ts';
import type { Warehouse } from '../warehouse/duckdb.ts';

/** What ensureMlTables makes and the dashboards read (tables and views). */
const ML_RELATIONS = [
  'ml.mart_customer_segments',
  'ml.mart_customer_clusters',
  'ml.mart_churn_scores',
  'ml.mart_price_suggestions',
  'ml.runs',
  'ml.tree_rules',
];

async function missingMl(conn: DuckDBConnection): Promise<boolean> {
  const r = await conn.runAndReadAll(
    `SELECT count(*) AS n FROM information_schema.tables
     WHERE table_catalog = current_database() AND table_schema = 'ml'
       AND table_name IN (${ML_RELATIONS.map((n) => `'${n.slice(3)}'`).join(', ')})`,
  );
  return Number(r.getRowsJson()[0]![0]) < ML_RELATIONS.length;
}

/** Create the ml tables and views on `conn` when any is missing. */
export async function createMlTablesIfMissing(conn: DuckDBConnection): Promise<void> {
  if (await missingMl(conn)) await ensureMlTables(conn);
}

const ready = new WeakMap<Warehouse, Promise<void>>();

/** The ml tables of `warehouse`, made once per process (a failed attempt is retried). */
export function ensureMlSchema(warehouse: Warehouse): Promise<void> {
  let p = ready.get(warehouse);
  if (!p) {
    p = (async () => {
      const conn = await warehouse.connect();
      try {
        await createMlTablesIfMissing(conn);
      } finally {
        conn.closeSync();
      }
    })();
    p.catch(() => ready.delete(warehouse));
    ready.set(warehouse, p);
  }
  return p;
}

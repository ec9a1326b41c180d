/**
 * The schemas the server makes itself before a panel reads them, rather than a build: `ops`, the
 * views over the pipeline's run logs (ops-views.ts), and `ml`, the segmentation's run tables,
 * empty until the segment job's first run (ml-tables.ts). Called before the relations a query
 * reads are looked up, so neither is mistaken for a mart not built yet.
 */
import { ensureMlSchema } from './ml-tables.ts';
import { ensureOpsViews } from './ops-views.ts';
import type { Warehouse } from '../warehouse/duckdb.ts';

/** Make the ops views and the ml tables that `relations` (schema.name) need. */
export async function ensurePanelSchemas(
  warehouse: Warehouse,
  relations: readonly string[],
): Promise<void> {
  if (relations.some((r) => r.startsWith('ops.'))) await ensureOpsViews(warehouse);
  if (relations.some((r) => r.startsWith('ml.'))) await ensureMlSchema(warehouse);
}

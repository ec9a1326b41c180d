/** The warehouse a job needs, or a clear failure in a process that has none open. */
import type { AppContext } from '../context.ts';
import type { Warehouse } from '../warehouse/duckdb.ts';

export function requireWarehouse(app: AppContext): Warehouse {
  if (!app.warehouse) throw new Error('this process has no warehouse open');
  return app.warehouse;
}

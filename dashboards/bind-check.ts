/**
 * Every dashboard query bound on the warehouse, as the server starts. The loader (catalog.ts)
 * parses each query but has no marts to bind it against, so a column or function the marts do
 * not have passes it and would show only when someone opens the panel (a 422,
 * query-source.ts). EXPLAIN binds and plans a query without running it, so the whole catalog is
 * checked in a moment, and the data team reads the mistake in the start's output, in the
 * loader's words. A query over a mart not built yet is left out: it answers 503 until a build,
 * and the next start binds it. The ml tables (segmentation runs) are made empty when missing, so
 * their panels bind before the segment job's first run.
 */
import { ensurePanelSchemas } from './panel-schemas.ts';
import { shownPath, type DashboardCatalog } from './catalog.ts';
import { panelParameters } from './query.ts';
import { dashboardQueries, type QuerySource } from './query-source.ts';
import { warehouseRelations } from '../api/reports/warehouse.ts';
import type { Warehouse } from '../warehouse/duckdb.ts';
import { duckMessage } from '../warehouse/read/errors.ts';
import { DEFAULT_TRUSTED_TIMEOUT_MS, withReadConnection } from '../warehouse/read/run.ts';

/** Where a query stands, as the loader says it: `dashboards/x.yaml: panels.0.query (panel p)`. */
function where(source: QuerySource): string {
  const panel = source.panel === undefined ? '' : ` (panel ${source.panel})`;
  return `${shownPath(source.dashboard.file)}: ${source.field}${panel}`;
}

/**
 * Bind every query of `catalog` whose marts exist in `warehouse`; → one line per query DuckDB
 * refuses (`dashboards/x.yaml: panels.0.query (panel p): Binder Error: …`), none when all bind.
 */
export async function bindDashboardQueries(
  catalog: DashboardCatalog,
  warehouse: Warehouse,
): Promise<string[]> {
  const queries = [...catalog.values()].flatMap(dashboardQueries);
  // The ops views and the ml tables are made by the server (panel-schemas.ts): before their
  // existence is asked, so a warehouse the segment job has not run on binds its ml panels too.
  await ensurePanelSchemas(
    warehouse,
    queries.flatMap((q) => q.relations),
  );
  return withReadConnection(warehouse, DEFAULT_TRUSTED_TIMEOUT_MS, async (conn) => {
    const have = await warehouseRelations(conn);
    const problems: string[] = [];
    for (const { source, query, filters, relations } of queries) {
      if (!relations.every((r) => have.has(r))) continue;
      // EXPLAIN binds and plans without running. Preparing alone is not enough: DuckDB puts off
      // binding a statement whose parameter types it cannot infer (`$from IS NULL OR …`, the
      // usual filter) until the values come, so the filters bind as the panel's do: typed NULLs.
      const { values, types } = panelParameters({ filters }, {});
      try {
        // DuckDB refuses values for a statement without parameters (as query.ts runs it).
        if (filters.length) await conn.runAndReadAll(`EXPLAIN ${query}`, values, types);
        else await conn.runAndReadAll(`EXPLAIN ${query}`);
      } catch (e) {
        problems.push(`${where(source)}: ${duckMessage(e).split('\n')[0]}`);
      }
    }
    return problems;
  });
}

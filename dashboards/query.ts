/**
 * Running a panel's query: the dashboard's filters are bound as typed named parameters
 * (`$from` DATE, `$team` BIGINT, …; NULL when absent), never pasted into the SQL text. Only the
 * filters the panel declares are bound, because DuckDB refuses a value for a parameter the
 * statement does not have (the loader has checked the two lists agree).
 */
import {
  BIGINT,
  DATE,
  dateValue,
  DuckDBTypeId,
  VARCHAR,
  type DuckDBResultReader,
  type DuckDBType,
  type DuckDBValue,
  type Json,
} from '@duckdb/node-api';
import type { AppContext } from '../context.ts';
import { readWarehouse } from '../api/reports/warehouse.ts';
import type { FilterName, LoadedPanel } from './schema.ts';
import { ensurePanelSchemas } from './panel-schemas.ts';
import { queryFailed, type QuerySource } from './query-source.ts';

/** Filter values as the query sees them: dates as YYYY-MM-DD, rep as the rep's id. */
export interface FilterValues {
  from?: string;
  to?: string;
  team?: number;
  rep?: number;
  category?: number;
  country?: string;
}

/** A column of a panel's result: its name and DuckDB type (DECIMAL(38,2), BIGINT, DATE, …). */
export interface PanelColumn {
  name: string;
  type: string;
}

/** What a panel's data endpoint answers. */
export interface PanelData {
  columns: PanelColumn[];
  rows: Record<string, Json>[];
}

const TYPES: Record<FilterName, DuckDBType> = {
  from: DATE,
  to: DATE,
  team: BIGINT,
  rep: BIGINT,
  category: BIGINT,
  country: VARCHAR,
};

function toDuckDB(name: FilterName, v: string | number | undefined): DuckDBValue {
  if (v === undefined) return null;
  if (name === 'from' || name === 'to') {
    const [year, month, day] = String(v).split('-').map(Number);
    return dateValue({ year: year!, month: month!, day: day! });
  }
  return typeof v === 'number' ? BigInt(v) : v;
}

// Whole-number columns (counts, ids) leave as JSON numbers when they fit; DECIMAL stays a
// string so money keeps its exact cents, as in the reports.
const INTEGER_TYPES = new Set([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
]);

function integerCell(v: Json): Json {
  if (typeof v !== 'string') return v;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
}

/** The typed named parameters of `panel`'s query for `filters` (only those the panel reads). */
export function panelParameters(
  panel: Pick<LoadedPanel, 'filters'>,
  filters: FilterValues,
): { values: Record<string, DuckDBValue>; types: Record<string, DuckDBType> } {
  const values: Record<string, DuckDBValue> = {};
  const types: Record<string, DuckDBType> = {};
  for (const name of panel.filters) {
    values[name] = toDuckDB(name, filters[name]);
    types[name] = TYPES[name];
  }
  return { values, types };
}

/**
 * Run `panel`'s query (the query of `source` in its file) with `filters`; 503 naming the mart
 * when the marts are not built, 422 naming the file's field when DuckDB refuses the query.
 */
export async function runPanelQuery(
  ctx: AppContext,
  panel: Pick<LoadedPanel, 'query' | 'filters' | 'relations'>,
  filters: FilterValues,
  source: QuerySource,
): Promise<PanelData> {
  const { values, types } = panelParameters(panel, filters);
  // The ops views and ml tables are made on first use, so they exist before the 503 check
  // looks for them.
  if (ctx.warehouse) await ensurePanelSchemas(ctx.warehouse, panel.relations);
  let reader: DuckDBResultReader;
  try {
    reader = panel.filters.length
      ? await readWarehouse(ctx, panel.relations, panel.query, values, types)
      : await readWarehouse(ctx, panel.relations, panel.query);
  } catch (e) {
    const failed = queryFailed(source, e);
    if (!failed) throw e;
    // The server's log says it too: whoever keeps the dashboard files reads it, not the viewer.
    ctx.logger.warn(failed.extra, failed.message);
    throw failed;
  }
  const names = reader.columnNames();
  const columnTypes = reader.columnTypes();
  const integer = columnTypes.map((t) => INTEGER_TYPES.has(t.typeId));
  const rows = reader.getRowsJson().map((row) => {
    const out: Record<string, Json> = {};
    names.forEach((n, i) => (out[n] = integer[i] ? integerCell(row[i]!) : row[i]!));
    return out;
  });
  return { columns: names.map((name, i) => ({ name, type: columnTypes[i]!.toString() })), rows };
}

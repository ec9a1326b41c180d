/**
 * Drill-through: the rows behind a panel (GET …/panels/{panel}/rows). The panel's own `drill`
 * query, else the dashboard's, runs with the filters the panel applies (a filter the panel ignores is NULL for its rows
 * too), the caller's scope forced as for the panel's data, sorted by one of the drill's columns
 * and read a page at a time. The cursor is the offset of the next page: the warehouse changes
 * only when a build publishes, so an offset is as stable as the figures the page shows.
 */
import type { AppContext } from '../../context.ts';
import { runPanelQuery, type FilterValues, type PanelData } from '../../dashboards/query.ts';
import { drillQuerySource } from '../../dashboards/query-source.ts';
import {
  columnField,
  panelDrill,
  type Dashboard,
  type LoadedDrill,
  type LoadedPanel,
} from '../../dashboards/schema.ts';
import type { Principal } from '../auth/principal.ts';
import { AppError, fieldProblem } from '../errors.ts';
import type { PanelRowsQuery } from './schemas.ts';
import { openDashboard, resolveFilters } from './service.ts';

/** What a rows request resolved to: the dashboard, panel, drill and filter values. */
export interface RowsScope {
  dashboard: Dashboard;
  panel: LoadedPanel;
  /** The panel's own drill, else the dashboard's. */
  drill: LoadedDrill;
  filters: FilterValues;
  /** The sort column and direction, checked against the drill's columns. */
  sort: string;
  order: 'asc' | 'desc';
}

/** Check the request against the dashboard: 404 for no panel or no rows, 400 for a bad sort. */
export async function rowsScope(
  ctx: AppContext,
  principal: Principal,
  id: string,
  panelId: string,
  q: PanelRowsQuery,
): Promise<RowsScope> {
  const dashboard = openDashboard(ctx, principal, id);
  const panel = dashboard.panels.find((p) => p.id === panelId);
  if (!panel) throw new AppError('not_found', `dashboard ${id} has no panel ${panelId}`);
  const drill = panelDrill(dashboard, panel);
  if (!drill)
    throw new AppError('not_found', `panel ${panelId} of dashboard ${id} has no rows to show`);
  const columns = drill.columns.map(columnField);
  const sort = q.sort ?? columns[0]!;
  if (!columns.includes(sort))
    throw fieldProblem('bad_request', 'sort', `one of ${columns.join(', ')}`, 'query');
  const all = await resolveFilters(ctx, principal, dashboard, q);
  // The panel's own filters only: its rows are the ones behind its figures.
  const filters: FilterValues = {};
  for (const name of panel.filters) (filters as Record<string, unknown>)[name] = all[name];
  return { dashboard, panel, drill, filters, sort, order: q.order };
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * One page of rows: `limit` from `offset`. The column names come from the dashboard file (the
 * sort checked against them) and the numbers are validated integers, so the wrapper adds no
 * text from the request to the SQL; the filters stay bound parameters.
 */
export async function readRows(
  ctx: AppContext,
  scope: RowsScope,
  offset: number,
  limit: number,
): Promise<PanelData> {
  const dir = scope.order === 'asc' ? 'ASC' : 'DESC';
  // Every column after the sort one: a stable order, so pages neither repeat nor skip rows.
  const tie = scope.drill.columns.map((c) => `${quote(columnField(c))} ASC NULLS LAST`).join(', ');
  const sql = `SELECT * FROM (${scope.drill.query}) AS drill
    ORDER BY ${quote(scope.sort)} ${dir} NULLS LAST, ${tie}
    LIMIT ${Math.trunc(limit)} OFFSET ${Math.trunc(offset)}`;
  const source = drillQuerySource(scope.dashboard, scope.panel);
  return runPanelQuery(ctx, { ...scope.drill, query: sql }, scope.filters, source);
}

/** The cursor of the page after `offset`. */
export function encodeOffset(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

/** The offset a cursor stands for; 400 naming `cursor` for one this API did not make. */
export function decodeOffset(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  try {
    const o = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { o?: unknown }).o;
    if (typeof o === 'number' && Number.isSafeInteger(o) && o >= 0) return o;
  } catch {
    // fall through
  }
  throw fieldProblem('bad_request', 'cursor', 'not a cursor this list gave', 'query');
}

/**
 * Where a dashboard query stands in its file (`panels.2.query`, `panels.2.drill.query`,
 * `drill.query`), and the answer when DuckDB refuses one as it binds or runs it. The loader
 * (catalog.ts) parses each query but has no marts to bind it against, so a column or function
 * the marts do not have passes it; such a mistake is in the dashboard's file, not in the request
 * nor in the server: 422 naming the dashboard, the panel, the file's field and DuckDB's sentence,
 * as the loader names a file's problems and as a model file's mistake answers (api/problem.ts).
 */
import path from 'node:path';
import { AppError } from '../api/errors.ts';
import { duckMessage } from '../warehouse/read/errors.ts';
import type { Dashboard, LoadedPanel } from './schema.ts';

/** One query of a dashboard file: the dashboard, the panel it serves and the file's field. */
export interface QuerySource {
  dashboard: Dashboard;
  /** The panel whose figures or rows it gives; none for the dashboard's drill listed alone. */
  panel?: string;
  /** The field of the file that holds it: panels.2.query, panels.2.drill.query, drill.query. */
  field: string;
}

/** One query of a dashboard, where it stands, the filters it binds and the marts it reads. */
export interface DashboardQuery {
  source: QuerySource;
  query: string;
  filters: LoadedPanel['filters'];
  relations: string[];
}

/** The source of `panel`'s own query. */
export function panelQuerySource(d: Dashboard, panel: LoadedPanel): QuerySource {
  return { dashboard: d, panel: panel.id, field: `panels.${d.panels.indexOf(panel)}.query` };
}

/** The source of the drill behind `panel`: its own (`panels.N.drill.query`), else the dashboard's. */
export function drillQuerySource(d: Dashboard, panel: LoadedPanel): QuerySource {
  const field = panel.drill ? `panels.${d.panels.indexOf(panel)}.drill.query` : 'drill.query';
  return { dashboard: d, panel: panel.id, field };
}

/** Every query of `d`: each panel's, each panel's own drill, then the dashboard's drill. */
export function dashboardQueries(d: Dashboard): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  const add = (source: QuerySource, q: Omit<DashboardQuery, 'source'>) =>
    out.push({ source, query: q.query, filters: q.filters, relations: q.relations });
  for (const p of d.panels) {
    add(panelQuerySource(d, p), p);
    if (p.drill) add(drillQuerySource(d, p), p.drill);
  }
  if (d.drill) add({ dashboard: d, field: 'drill.query' }, d.drill);
  return out;
}

/** DuckDB's errors start with their kind: `Binder Error: …`, `Conversion Error: …`. */
const DUCKDB_ERROR = /^[A-Z][A-Za-z ]* Error: /;

/**
 * 422 for `e`, thrown by DuckDB as it bound or ran the query of `source`; undefined for anything
 * else (a 503 or 408 already said, or a bug of ours: 500). Only DuckDB's first line is given: the
 * lines after it quote the query, which the API never shows (GET /dashboards/{id} leaves it out).
 */
export function queryFailed(source: QuerySource, e: unknown): AppError | undefined {
  if (e instanceof AppError) return undefined;
  const message = duckMessage(e).split('\n')[0]!;
  // An interrupt is the time limit's (408) or the server stopping, not the file's mistake.
  if (!DUCKDB_ERROR.test(message) || /interrupt/i.test(message)) return undefined;
  const d = source.dashboard;
  const file = path.basename(d.file);
  const panel = source.panel === undefined ? '' : `panel ${source.panel} of `;
  return new AppError(
    'unprocessable',
    `${panel}dashboard ${d.id} cannot run its query (${file}: ${source.field}): ${message}`,
    {
      dashboard: d.id,
      ...(source.panel === undefined ? {} : { panel: source.panel }),
      file,
      field: source.field,
      duckdb: message,
    },
  );
}

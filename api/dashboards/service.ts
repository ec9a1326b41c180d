/**
 * Dashboard rules: which roles open which dashboard (admin every one, staff none), and what a
 * panel's filters become — the rep's code resolved to its id, and a manager's team forced to
 * their own, so editing the URL cannot show another team's figures.
 */
import type { Principal } from '../auth/principal.ts';
import type { AppContext } from '../../context.ts';
import type { Dashboard, LoadedPanel } from '../../dashboards/schema.ts';
import { FILTER_NAMES, panelDrill, panelKind, type FilterName } from '../../dashboards/schema.ts';
import type { DashboardCatalog } from '../../dashboards/catalog.ts';
import { runPanelQuery, type FilterValues, type PanelData } from '../../dashboards/query.ts';
import { panelQuerySource } from '../../dashboards/query-source.ts';
import { AppError, fieldProblem } from '../errors.ts';
import { repIdByCode } from '../reports/filters.ts';
import type { PanelDataQuery } from './schemas.ts';

/** May `principal` open `d`? */
export function mayOpen(d: Dashboard, principal: Principal): boolean {
  if (principal.role === 'admin') return true;
  return (d.roles as readonly string[]).includes(principal.role);
}

function catalogOf(ctx: AppContext): DashboardCatalog {
  if (!ctx.dashboards) throw new AppError('unavailable', 'this server runs without dashboards');
  return ctx.dashboards;
}

/** GET /dashboards: the ones the caller's role may open. */
export function listDashboards(ctx: AppContext, principal: Principal) {
  const items = [...catalogOf(ctx).values()]
    .filter((d) => mayOpen(d, principal))
    .map((d) => ({
      id: d.id,
      title: d.title,
      description: d.description,
      panels: d.panels.map((p) => ({ id: p.id, title: p.title })),
    }));
  return { items, nextCursor: null };
}

/** The dashboard `id`: 404 naming it when there is none, 403 when the role may not open it. */
export function openDashboard(ctx: AppContext, principal: Principal, id: string): Dashboard {
  const d = catalogOf(ctx).get(id);
  if (!d) throw new AppError('not_found', `no dashboard ${id}`);
  if (!mayOpen(d, principal))
    throw new AppError('forbidden', `role ${principal.role} may not open dashboard ${id}`);
  return d;
}

/** Whether a panel has rows to show, and their columns (its own drill's or the dashboard's). */
function drillDetail(d: Dashboard, p: LoadedPanel) {
  const drill = panelDrill(d, p);
  return { drill: drill !== undefined, drillColumns: drill ? drill.columns : null };
}

/** GET /dashboards/{id}: the file as the page needs it (no SQL). */
export function dashboardDetail(ctx: AppContext, principal: Principal, id: string) {
  const d = openDashboard(ctx, principal, id);
  return {
    id: d.id,
    title: d.title,
    description: d.description,
    filters: d.filters,
    drill: d.drill ? { columns: d.drill.columns } : null,
    panels: d.panels.map((p) => ({
      id: p.id,
      title: p.title,
      description: p.description ?? null,
      filters: p.filters,
      kind: panelKind(p),
      ...(p.vegaLite ? { vegaLite: p.vegaLite } : {}),
      ...(p.kpi ? { kpi: p.kpi } : {}),
      ...(p.table ? { table: p.table } : {}),
      ...(p.select ? { select: p.select } : {}),
      empty: p.empty ?? null,
      ...drillDetail(d, p),
    })),
  };
}

/** The team a manager is limited to; 403 when their rep is in no team. */
export async function managerTeam(ctx: AppContext, principal: Principal): Promise<number> {
  const me =
    principal.repId == null
      ? undefined
      : await ctx.ops.db
          .selectFrom('sales_reps')
          .select('team_id')
          .where('id', '=', principal.repId)
          .executeTakeFirst();
  if (me?.team_id == null)
    throw new AppError(
      'forbidden',
      'a manager sees the team of their rep, and this one is in no team',
    );
  return me.team_id;
}

/**
 * 400 naming the first filter of `q` the dashboard does not offer. The scheduled reports' file
 * (dashboards/reports.yaml) is checked with the same words when it loads.
 */
export function checkFilterNames(d: Dashboard, q: Partial<Record<FilterName, unknown>>): void {
  for (const name of FILTER_NAMES)
    if (q[name] !== undefined && !d.filters.includes(name))
      throw fieldProblem(
        'bad_request',
        name,
        `not a filter of dashboard ${d.id} (it has ${d.filters.join(', ') || 'none'})`,
        'query',
      );
}

/**
 * The filter values as the queries bind them, for nobody's scope in particular (a scheduled
 * report; a request goes through resolveFilters): names checked, the rep's code resolved.
 */
export async function dashboardFilterValues(
  ctx: AppContext,
  d: Dashboard,
  q: Omit<PanelDataQuery, 'format'>,
): Promise<FilterValues> {
  checkFilterNames(d, q);
  const values: FilterValues = {
    from: q.from,
    to: q.to,
    team: q.team,
    category: q.category,
    country: q.country,
  };
  // The same resolver as GET /reports/sales, so a tile and its report read the same rep.
  if (q.rep !== undefined) values.rep = await repIdByCode(ctx.ops.db, q.rep);
  return values;
}

/** The filter values of a request, checked against the dashboard and the caller's scope. */
export async function resolveFilters(
  ctx: AppContext,
  principal: Principal,
  d: Dashboard,
  q: PanelDataQuery,
): Promise<FilterValues> {
  const values = await dashboardFilterValues(ctx, d, q);
  if (principal.role === 'manager') {
    const own = await managerTeam(ctx, principal);
    if (q.team !== undefined && q.team !== own)
      throw new AppError(
        'forbidden',
        `a manager sees only their own team (${own}), not team ${q.team}`,
      );
    values.team = own;
  }
  return values;
}

/** GET /dashboards/{id}/panels/{panel}/data. */
export async function panelData(
  ctx: AppContext,
  principal: Principal,
  id: string,
  panelId: string,
  q: PanelDataQuery,
): Promise<{ panel: LoadedPanel; data: PanelData }> {
  const d = openDashboard(ctx, principal, id);
  const panel = d.panels.find((p) => p.id === panelId);
  if (!panel) throw new AppError('not_found', `dashboard ${id} has no panel ${panelId}`);
  const filters = await resolveFilters(ctx, principal, d, q);
  return {
    panel,
    data: await runPanelQuery(ctx, panel, filters, panelQuerySource(d, panel)),
  };
}

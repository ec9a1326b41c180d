/**
 * The dashboard pages: GET /dashboards (the list) and GET /dashboards/{id} (one dashboard), and
 * the vendor scripts they load (/assets/vendor/…, api/pages/vendor.ts). Signed-in people of every
 * role reach the handlers, so staff and a role a dashboard's file leaves out get a page saying
 * so (403) instead of problem JSON; the data itself comes from the JSON routes, which check again.
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { Dashboard, FilterName } from '../../dashboards/schema.ts';
import { themeConfig } from '../../dashboards/render-theme.ts';
import { ALL_ROLES } from '../auth/roles.ts';
import type { Principal } from '../auth/principal.ts';
import { recordLinks } from '../dashboards/links.ts';
import { dashboardDetail, managerTeam, mayOpen } from '../dashboards/service.ts';
import { readWarehouse } from '../reports/warehouse.ts';
import type { RouteRegistry } from '../route.ts';
import {
  dashboardListPage,
  dashboardPage,
  dashboardProblemPage,
  type FilterOption,
} from './dashboard-views.ts';
import { vendorFile } from './vendor.ts';
import { sendPage } from './send.ts';

/** Who may see dashboards at all; the home page links to them for these (and admin). */
export const DASHBOARD_PAGE_ROLES = ['executive', 'manager', 'analyst'] as const;

/** The page's query: the filters as the URL carries them; checked by the JSON routes. */
const pageQuery = z.object({
  from: z.string().max(20).optional(),
  to: z.string().max(20).optional(),
  team: z.string().max(20).optional(),
  rep: z.string().max(64).optional(),
  category: z.string().max(20).optional(),
  country: z.string().max(8).optional(),
});

const iso = (d: Date) => d.toISOString().slice(0, 10);

/**
 * The range a dashboard opens with when the URL names none: from the first day of the 12th month
 * back to the latest order's day, i.e. the last 12 months by calendar month, to date. Not "the
 * 12 months before today": the demo data and imported history may end months ago, and a
 * dashboard that opens empty tells an executive nothing. It ends on the latest order, not at the
 * end of its month: the KPI tiles compare with the same dates a year back and the period before,
 * and a range running into days that have not happened yet would show a fall that is not one.
 */
export function defaultRange(latest: Date): { from: string; to: string } {
  const y = latest.getUTCFullYear();
  const m = latest.getUTCMonth();
  return { from: iso(new Date(Date.UTC(y, m - 11, 1))), to: iso(latest) };
}

/** The latest order's date in the marts, or today when there is none (or no marts yet). */
async function latestOrderDate(ctx: AppContext): Promise<Date> {
  try {
    const r = await readWarehouse(
      ctx,
      ['marts.mart_sales_lines'],
      'SELECT CAST(max(order_date) AS VARCHAR) AS d FROM marts.mart_sales_lines',
    );
    const d = r.getRowObjectsJson()[0]?.d;
    return d ? new Date(`${String(d)}T00:00:00Z`) : new Date();
  } catch {
    return new Date(); // no marts yet: the panels say so themselves
  }
}

async function fixedTeam(ctx: AppContext, principal: Principal): Promise<FilterOption | null> {
  if (principal.role !== 'manager') return null;
  const id = await managerTeam(ctx, principal).catch(() => null);
  if (id === null) return null;
  const team = await ctx.ops.db
    .selectFrom('teams')
    .select('name')
    .where('id', '=', id)
    .executeTakeFirst();
  return { value: String(id), label: team?.name ?? `Team ${id}` };
}

export function dashboardPageRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  const base = { mount: '', tag: 'pages', page: true } as const;
  const catalog = () => [...(ctx.dashboards?.values() ?? [])];
  const who = (principal: Principal, csrf: string | undefined) => ({
    user: { name: principal.name, role: principal.role },
    csrfToken: csrf ?? '',
  });

  registry.add(
    router,
    {
      ...base,
      method: 'get',
      path: '/assets/vendor/:file',
      summary:
        'Vega, Vega-Lite, vega-embed, vega-interpreter (and its vega-util) and the console’s CodeMirror, from node_modules',
      roles: 'public',
      params: z.object({ file: z.string() }),
    },
    ({ params, res }) => sendVendor(res, params.file),
  );

  registry.add(
    router,
    {
      ...base,
      method: 'get',
      path: '/dashboards',
      summary: 'The dashboards your role may open',
      roles: ALL_ROLES,
    },
    ({ principal, req, res }) => {
      if (!allowedRole(principal)) return sendPage(res, refusal(principal, req.csrfToken), 403);
      const dashboards = catalog().filter((d) => mayOpen(d, principal));
      sendPage(res, dashboardListPage({ ...who(principal, req.csrfToken), dashboards }));
    },
  );

  registry.add(
    router,
    {
      ...base,
      method: 'get',
      path: '/dashboards/:id',
      summary: 'A dashboard',
      roles: ALL_ROLES,
      params: z.object({ id: z.string().max(100) }),
      query: pageQuery,
    },
    async ({ params, query, principal, req, res }) => {
      const page = who(principal, req.csrfToken);
      if (!allowedRole(principal)) return sendPage(res, refusal(principal, req.csrfToken), 403);
      const d = ctx.dashboards?.get(params.id);
      if (!d)
        return sendPage(
          res,
          dashboardProblemPage({
            ...page,
            status: 404,
            message: `There is no dashboard ${params.id}.`,
          }),
          404,
        );
      if (!mayOpen(d, principal))
        return sendPage(
          res,
          dashboardProblemPage({
            ...page,
            status: 403,
            message: `The ${d.title} dashboard is not open to the ${principal.role} role.`,
          }),
          403,
        );
      const values = filterValues(d, query);
      const range = defaultRange(await latestOrderDate(ctx));
      const hasRange = query.from !== undefined || query.to !== undefined;
      if (!hasRange && d.filters.includes('from')) values.from = range.from;
      if (!hasRange && d.filters.includes('to')) values.to = range.to;
      const team = await fixedTeam(ctx, principal);
      if (team) values.team = team.value;
      sendPage(
        res,
        dashboardPage({
          ...page,
          dashboard: d,
          nonce: String(res.locals.cspNonce),
          values,
          fixedTeam: team,
          config: {
            id: d.id,
            // What GET /api/v1/dashboards/{id} answers, in the page: one round trip fewer
            // before the panels' data can be asked for.
            dashboard: dashboardDetail(ctx, principal, d.id),
            theme: themeConfig(),
            defaultRange: range,
            fixedTeam: team,
            // Which records a table row may link to for this role (the rows API decides alike).
            links: recordLinks(registry, principal),
            // What an empty panel says it lacks: orders, for panels over the sales lines.
            emptyNouns: Object.fromEntries(
              d.panels.map((p) => [
                p.id,
                p.relations.includes('marts.mart_sales_lines') ? 'No orders' : 'Nothing to show',
              ]),
            ),
          },
        }),
      );
    },
  );
  return router;
}

function sendVendor(res: Response, name: string): void {
  const body = vendorFile(name);
  if (!body) return void res.status(404).type('text').send('not found');
  // Versions change only with an npm install, which restarts the server.
  res
    .set('Cache-Control', 'public, max-age=3600')
    .type('text/javascript; charset=utf-8')
    .send(body);
}

function allowedRole(principal: Principal): boolean {
  return (
    principal.role === 'admin' ||
    (DASHBOARD_PAGE_ROLES as readonly string[]).includes(principal.role)
  );
}

function refusal(principal: Principal, csrf: string | undefined): string {
  return dashboardProblemPage({
    user: { name: principal.name, role: principal.role },
    csrfToken: csrf ?? '',
    status: 403,
    message: `Dashboards are for executives, managers and analysts; the ${principal.role} role has none. Your home page lists what you can use.`,
  });
}

/** The URL's filters that the dashboard has, as the form shows them. */
function filterValues(
  d: Dashboard,
  q: z.output<typeof pageQuery>,
): Partial<Record<FilterName, string>> {
  const out: Partial<Record<FilterName, string>> = {};
  for (const name of d.filters) {
    const v = q[name];
    if (v) out[name] = v;
  }
  return out;
}

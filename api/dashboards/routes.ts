/**
 * GET /dashboards, /dashboards/{id}, /dashboards/{id}/panels/{panel}/data (format=csv for a
 * CSV download) and …/rows (drill-through, api/dashboards/rows-routes.ts). executive, manager (own team), analyst and admin, as each dashboard file says.
 */
import { Router } from 'express';
import type { Json } from '@duckdb/node-api';
import type { AppContext } from '../../context.ts';
import type { RouteRegistry } from '../route.ts';
import { sendCsv, type CsvColumn } from '../reports/csv.ts';
import { csvKind } from './csv-kind.ts';
import { addRowsRoute } from './rows-routes.ts';
import {
  dashboardDetail,
  dashboardList,
  dashboardParams,
  panelData,
  panelDataQuery,
  panelParams,
} from './schemas.ts';
import * as service from './service.ts';

/** The roles past the route gate; each dashboard's file narrows it further (service.mayOpen). */
const DASHBOARD_ROLES = ['executive', 'manager', 'analyst'] as const;

/** The dashboard endpoints. */
export function dashboardRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  const tag = 'dashboards';

  registry.add(
    router,
    {
      method: 'get',
      path: '/dashboards',
      operationId: 'listDashboards',
      summary: 'The dashboards your role may open, with their panels',
      tag,
      roles: DASHBOARD_ROLES,
      response: dashboardList,
    },
    ({ principal }) => service.listDashboards(ctx, principal),
  );

  registry.add(
    router,
    {
      method: 'get',
      path: '/dashboards/:id',
      operationId: 'getDashboard',
      summary: 'A dashboard: its filters and panels (Vega-Lite specs, KPI tiles, tables)',
      tag,
      roles: DASHBOARD_ROLES,
      params: dashboardParams,
      response: dashboardDetail,
    },
    ({ params, principal }) => service.dashboardDetail(ctx, principal, params.id),
  );

  registry.add(
    router,
    {
      method: 'get',
      path: '/dashboards/:id/panels/:panel/data',
      operationId: 'getDashboardPanelData',
      csv: true,
      // 422: a query of the dashboard's file the marts cannot answer (dashboards/query-source.ts).
      errors: [422, 503],
      summary: "A panel's rows for the filters in the query string (format=csv for CSV)",
      tag,
      roles: DASHBOARD_ROLES,
      params: panelParams,
      query: panelDataQuery,
      response: panelData,
    },
    async ({ params, query, principal, res }) => {
      const { data } = await service.panelData(ctx, principal, params.id, params.panel, query);
      if (query.format !== 'csv') return data;
      const columns: CsvColumn<Record<string, Json>>[] = data.columns.map((c) => ({
        name: c.name,
        kind: csvKind(c.type),
      }));
      sendCsv(res, `${params.id}-${params.panel}`, columns, data.rows);
      return undefined;
    },
  );
  addRowsRoute(ctx, registry, router, DASHBOARD_ROLES);
  return router;
}

/**
 * GET /reports/sales, /reports/team, /reports/inventory: figures from the marts, as JSON or
 * (format=csv) as a CSV download. analyst, executive, manager (own team) and admin.
 */
import { Router } from 'express';
import type { AppContext } from '../../context.ts';
import type { RouteRegistry } from '../route.ts';
import { csvColumns, sendCsv } from './csv.ts';
import {
  inventoryQuery,
  inventoryReport,
  inventoryRow,
  money,
  salesQuery,
  salesReport,
  salesRow,
  teamQuery,
  teamReport,
  teamRow,
} from './schemas.ts';
import * as service from './service.ts';

const REPORT_ROLES = ['analyst', 'executive', 'manager'] as const;

// CSV columns are the JSON row fields, in the same order, even when there are no rows; their
// types say which cells are numbers (the rest is text, neutralised against formulas).
const SALES_COLUMNS = csvColumns(salesRow, money);
const TEAM_COLUMNS = csvColumns(teamRow, money);
const INVENTORY_COLUMNS = csvColumns(inventoryRow, money);

/** The report endpoints. */
export function reportRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  const tag = 'reports';

  registry.add(
    router,
    {
      method: 'get',
      path: '/reports/sales',
      operationId: 'getSalesReport',
      csv: true,
      errors: [503],
      summary: 'Revenue, orders and units grouped by period or dimension (format=csv for CSV)',
      tag,
      roles: REPORT_ROLES,
      query: salesQuery,
      response: salesReport,
    },
    async ({ query, principal, res }) => {
      const report = await service.salesReport(ctx, principal, query);
      if (query.format !== 'csv') return report;
      sendCsv(res, `sales-by-${query.groupBy}`, SALES_COLUMNS, report.rows);
      return undefined;
    },
  );

  registry.add(
    router,
    {
      method: 'get',
      path: '/reports/team',
      operationId: 'getTeamReport',
      csv: true,
      errors: [503],
      summary:
        'Revenue, quota, attainment, pipeline, win rate, cycle and activities per team and rep',
      tag,
      roles: REPORT_ROLES,
      query: teamQuery,
      response: teamReport,
    },
    async ({ query, principal, res }) => {
      const report = await service.teamReport(ctx, principal, query);
      if (query.format !== 'csv') return report;
      sendCsv(res, `team-${report.period}`, TEAM_COLUMNS, report.rows);
      return undefined;
    },
  );

  registry.add(
    router,
    {
      method: 'get',
      path: '/reports/inventory',
      operationId: 'getInventoryReport',
      csv: true,
      errors: [503],
      summary: 'Stock, demand, days of cover and reorder suggestions per product and warehouse',
      tag,
      roles: REPORT_ROLES,
      query: inventoryQuery,
      response: inventoryReport,
    },
    async ({ query, res }) => {
      const report = await service.inventoryReport(ctx, query);
      if (query.format !== 'csv') return report;
      sendCsv(res, 'inventory', INVENTORY_COLUMNS, report.rows);
      return undefined;
    },
  );
  return router;
}

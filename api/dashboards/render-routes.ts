/**
 * GET /dashboards/{id}/panels/{panel}.svg|.png|.json: a panel drawn on the server with the
 * filters of the query string — SVG from a headless Vega view (`renderer: 'none'`), PNG through
 * resvg, JSON as the Vega-Lite spec with its rows inlined (opens as it is in the Vega editor).
 * The rows are the same as …/data answers, so an image never shows what the data route refuses.
 */
import { Router } from 'express';
import type { AppContext } from '../../context.ts';
import { emptyWords, panelSpec } from '../../dashboards/panel-spec.ts';
import { renderPng, renderSvg, specJson, type Row } from '../../dashboards/render.ts';
import type { RouteRegistry } from '../route.ts';
import { panelDataQuery, panelParams } from './schemas.ts';
import * as service from './service.ts';

const ROLES = ['executive', 'manager', 'analyst'] as const;

export function dashboardRenderRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  const common = {
    method: 'get',
    tag: 'dashboards',
    roles: ROLES,
    params: panelParams,
    query: panelDataQuery,
    // 422: a query of the dashboard's file the marts cannot answer (dashboards/query-source.ts).
    errors: [422, 503],
  } as const;

  const drawn = async (
    id: string,
    panelId: string,
    query: Parameters<typeof service.panelData>[4],
    principal: Parameters<typeof service.panelData>[1],
  ) => {
    const { panel, data } = await service.panelData(ctx, principal, id, panelId, query);
    const rows = data.rows as Row[];
    return { spec: panelSpec(panel, rows), rows, empty: emptyWords(panel, query) };
  };

  registry.add(
    router,
    {
      ...common,
      path: '/dashboards/:id/panels/:panel.svg',
      operationId: 'renderDashboardPanelSvg',
      summary: 'A panel drawn as SVG, for the filters in the query string',
      media: ['image/svg+xml'],
    },
    async ({ params, query, principal, res }) => {
      const { spec, rows, empty } = await drawn(params.id, params.panel, query, principal);
      res.type('image/svg+xml').send(await renderSvg(spec, rows, empty));
    },
  );

  registry.add(
    router,
    {
      ...common,
      path: '/dashboards/:id/panels/:panel.png',
      operationId: 'renderDashboardPanelPng',
      summary: 'A panel drawn as PNG (twice the SVG’s size), for the filters in the query string',
      media: ['image/png'],
    },
    async ({ params, query, principal, res }) => {
      const { spec, rows, empty } = await drawn(params.id, params.panel, query, principal);
      res.type('image/png').send(renderPng(await renderSvg(spec, rows, empty)));
    },
  );

  registry.add(
    router,
    {
      ...common,
      path: '/dashboards/:id/panels/:panel.json',
      operationId: 'exportDashboardPanelSpec',
      summary:
        'A panel as a Vega-Lite spec with its rows inlined, for the filters in the query string',
      media: ['application/json'],
    },
    async ({ params, query, principal, res }) => {
      const { spec, rows } = await drawn(params.id, params.panel, query, principal);
      res.json(specJson(spec, rows));
    },
  );
  return router;
}

/**
 * GET /reports/snapshots/{id}.png: a scheduled report's image as the report job stored it, the
 * link its report.ready event carries. Read by the roles of the dashboards' images; see
 * service.ts for a manager's and a dashboard file's narrower rules.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { idText } from '../fields.ts';
import type { RouteRegistry } from '../route.ts';
import { snapshotImage } from './service.ts';

/** As GET /dashboards/{id}/panels/{panel}.png (api/dashboards/render-routes.ts). */
const ROLES = ['executive', 'manager', 'analyst'] as const;

export function reportSnapshotRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  registry.add(
    router,
    {
      method: 'get',
      path: '/reports/snapshots/:id.png',
      operationId: 'getReportSnapshotPng',
      summary: "A scheduled report's image, as its report.ready event links it",
      tag: 'reports',
      roles: ROLES,
      params: z.object({ id: idText }),
      media: ['image/png'],
    },
    async ({ params, principal, res }) => {
      const png = await snapshotImage(ctx, principal, params.id);
      // A snapshot never changes; private: it needs the caller's key.
      res.type('image/png').set('Cache-Control', 'private, max-age=86400').send(png);
    },
  );
  return router;
}

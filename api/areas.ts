/**
 * The business areas mounted under /api/v1. Each area folder exports one function
 * `(ctx, registry) => Router`; add yours here.
 */
import type { Router } from 'express';
import type { AppContext } from '../context.ts';
import type { RouteRegistry } from './route.ts';
import { activityRoutes } from './activities/routes.ts';
import { followupRoutes } from './activities/followup/routes.ts';
import { auditRoutes } from './audit/routes.ts';
import { authRoutes } from './auth/routes.ts';
import { catalogRoutes } from './catalog/routes.ts';
import { inventoryRoutes } from './inventory/routes.ts';
import { customerRoutes } from './customers/routes.ts';
import { eventRoutes } from './events/routes.ts';
import { opportunityRoutes } from './opportunities/routes.ts';
import { orderRoutes } from './orders/routes.ts';
import { teamRoutes } from './teams/routes.ts';
import { modelRoutes } from './models/routes.ts';
import { reportRoutes } from './reports/routes.ts';
import { reportSnapshotRoutes } from './report-snapshots/routes.ts';
import { priceSuggestionRoutes } from './price-suggestions/routes.ts';
import { sqlRoutes } from './sql/routes.ts';
import { dashboardRoutes } from './dashboards/routes.ts';
import { dashboardRenderRoutes } from './dashboards/render-routes.ts';
import { ingestRoutes } from './ingest/routes.ts';
import { jobRoutes } from './jobs/routes.ts';
import { modelRunRoutes } from './models/run-routes.ts';
import { userRoutes } from './users/routes.ts';
import { webhookRoutes } from './webhooks/routes.ts';

export type AreaRouter = (ctx: AppContext, registry: RouteRegistry) => Router;

export const areaRouters: AreaRouter[] = [
  authRoutes,
  userRoutes,
  catalogRoutes,
  inventoryRoutes,
  orderRoutes,
  // the outbox's feed: history, the live stream, an order's timeline
  eventRoutes,
  // CRM, pipeline, teams, audit
  customerRoutes,
  activityRoutes,
  followupRoutes,
  opportunityRoutes,
  teamRoutes,
  auditRoutes,
  // SQL models (and runs of them) and the reports built on them
  modelRunRoutes,
  modelRoutes,
  reportRoutes,
  // what the segment job computed: price suggestions (customer scores are in customers/)
  priceSuggestionRoutes,
  // read-only SQL on the warehouse for analysts (warehouse/read/)
  sqlRoutes,
  // dashboards: files in dashboards/, their panels' data from the marts
  dashboardRoutes,
  dashboardRenderRoutes,
  // the scheduled reports' images (the report job draws dashboards into them)
  reportSnapshotRoutes,
  // warehouse ingest run log
  ingestRoutes,
  // background jobs, their runs, the warehouse's freshness
  jobRoutes,
  // signed webhooks fed by the event outbox (admin)
  webhookRoutes,
];

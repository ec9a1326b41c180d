/**
 * The events suites' walk, whole: its requests live by area in test/support/walk-orders.ts and
 * test/support/walk-crm.ts, the world they start from in test/support/event-walk.ts.
 */
import type { Setup } from './event-walk.ts';
import { CRM_WALK } from './walk-crm.ts';
import { ORDERS_WALK } from './walk-orders.ts';

/**
 * One valid admin request per write route of docs/access.md (POST, PUT, PATCH, DELETE). A route
 * missing here fails the walk: a new write route cannot go unchecked.
 */
export const WALK: Record<string, Setup> = { ...ORDERS_WALK, ...CRM_WALK };

/** The write routes that queue job runs, whose jobs may record events of their own (no actor). */
export const QUEUES_RUNS = new Set([
  'POST /api/v1/ingest/runs',
  'POST /api/v1/models/runs',
  'POST /api/v1/jobs/{name}/run',
]);

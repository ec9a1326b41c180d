/** HTTP for the event feed (GET /events, the SSE stream) and an order's timeline. */
import { Router } from 'express';
import type { AppContext } from '../../context.ts';
import { fieldProblem } from '../errors.ts';
import { idParams } from '../fields.ts';
import { pageSchema, paginationQuery } from '../pagination.ts';
import type { RouteRegistry } from '../route.ts';
import { EVENT_ID_MESSAGE, eventDto, feedQuery, parseLastEventId, streamQuery } from './schemas.ts';
import { listEvents, orderTimeline, streamEvents, type ResumeField } from './service.ts';

// As GET /orders: the feed is mostly orders, which executives do not read (they read reports).
// Scoped roles see their team's events only (visibility.ts).
const READ = ['manager', 'staff', 'analyst'] as const;

export function eventRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  const db = ctx.ops.db;

  registry.add(
    router,
    {
      method: 'get',
      path: '/events',
      summary: 'Business events, oldest first (?after=&types=order.*,stock.low&entity=order:42)',
      tag: 'events',
      roles: READ,
      query: feedQuery,
      response: pageSchema(eventDto),
      errors: [410],
    },
    async ({ query, principal }) => listEvents(db, principal, query),
  );
  registry.add(
    router,
    {
      method: 'get',
      path: '/events/stream',
      summary:
        'Server-Sent Events: each event as published; Last-Event-ID (or ?after=) resumes, ?types= filters',
      tag: 'events',
      roles: READ,
      query: streamQuery,
      media: ['text/event-stream'],
      errors: [410],
    },
    async ({ query, principal, req, res }) => {
      // The browser's EventSource reconnects to the same URL with Last-Event-ID: that header is
      // the newer resume point, so it wins over ?after=.
      const header = req.get('last-event-id')?.trim();
      let after = query.after;
      let from: ResumeField = { field: 'after', in: 'query' };
      if (header) {
        after = parseLastEventId(header);
        if (after === undefined)
          throw fieldProblem('bad_request', 'Last-Event-ID', EVENT_ID_MESSAGE, 'header');
        from = { field: 'Last-Event-ID', in: 'header' };
      }
      await streamEvents(ctx, {
        principal,
        req,
        res,
        filters: { types: query.types, entity: query.entity },
        after,
        from,
      });
    },
  );
  registry.add(
    router,
    {
      method: 'get',
      path: '/orders/:id/timeline',
      summary: "The order's events in order, with who did each",
      tag: 'orders',
      roles: READ,
      params: idParams,
      query: paginationQuery,
      response: pageSchema(eventDto),
    },
    async ({ params, query, principal }) => orderTimeline(db, principal, params.id, query),
  );
  return router;
}

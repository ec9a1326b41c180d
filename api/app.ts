/**
 * The Express app factory. No listen() here, so tests run the real app in-process on port 0.
 * Each business area contributes a router through `areaRouters`; all of them share the auth
 * middleware, the route registry (→ OpenAPI) and the problem+json error handler.
 */
import express, { Router } from 'express';
import { z } from 'zod';
import { authenticate } from './auth/middleware.ts';
import { pageRoutes } from './pages/routes.ts';
import { securityHeaders } from './security-headers.ts';
import { decoyHash } from './users/password.ts';
import { sessionRoutes } from './sessions/routes.ts';
import { idempotency } from './idempotency/middleware.ts';
import type { AppContext } from '../context.ts';
import { healthRoutes } from './health/routes.ts';
import { buildOpenApi } from './openapi.ts';
import { notFoundHandler, problemHandler } from './problem.ts';
import { requestLog } from './request-log.ts';
import { methodNotAllowed, RouteRegistry } from './route.ts';
import { areaRouters } from './areas.ts';

/** Bodies above this are refused with 413 before any parsing work. */
const BODY_LIMIT = '1mb';

export function createApp(ctx: AppContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  // Behind a proxy, req.protocol (Secure cookies, the request's origin) follows X-Forwarded-Proto.
  app.set('trust proxy', ctx.config.trustProxy);
  const registry = new RouteRegistry((bookkeeping) => {
    if (!bookkeeping) ctx.changes?.written();
    ctx.events?.written(); // bookkeeping writes record events too (api_key.created)
  });
  // Made now, not at the first sign-in for an unknown email, which would then take two hashes'
  // time and tell that the email has no account.
  void decoyHash(ctx.config.passwordCost);

  app.use(requestLog(ctx.logger));
  app.use(securityHeaders());
  app.use(express.json({ limit: BODY_LIMIT, strict: false }));
  // The pages' forms (sign in, set password, sign out); flat fields only.
  app.use(express.urlencoded({ limit: BODY_LIMIT, extended: false }));
  app.use(authenticate(ctx, registry));
  app.use(idempotency(ctx.ops.db));

  app.use(healthRoutes(ctx, registry));
  app.use(sessionRoutes(ctx, registry));
  app.use(pageRoutes(ctx, registry));
  const api = Router();
  for (const mount of areaRouters) api.use(mount(ctx, registry));
  app.use('/api/v1', api);

  // The document describes itself too; it is built once every other route is registered.
  let openapi: Record<string, unknown> = {};
  const docs = Router();
  registry.add(
    docs,
    {
      method: 'get',
      path: '/openapi.json',
      operationId: 'getOpenApi',
      summary: 'This OpenAPI 3.1 document',
      tag: 'system',
      roles: 'public',
      response: z.looseObject({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) }),
    },
    () => openapi,
  );
  app.use('/api/v1', docs);
  openapi = buildOpenApi(registry.operations, '0.1.0');

  app.use(methodNotAllowed(registry));
  app.use(notFoundHandler);
  app.use(problemHandler);
  return app;
}

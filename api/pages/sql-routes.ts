/**
 * GET /sql: the SQL console. Analysts and admins write and run their own queries; executives
 * get the same page with the shared saved queries only (they may run those, never their own
 * SQL: the API refuses it too). Other roles get a page saying so (403) instead of problem JSON.
 */
import { Router } from 'express';
import type { AppContext } from '../../context.ts';
import { ALL_ROLES } from '../auth/roles.ts';
import type { Principal } from '../auth/principal.ts';
import type { RouteRegistry } from '../route.ts';
import { sqlConsolePage, sqlRefusalPage, type ConsoleMode } from './sql-views.ts';
import { sendPage } from './send.ts';

/** The roles the console opens for (admin too); the home page links to it for these. */
export const CONSOLE_ROLES = ['analyst', 'executive'] as const;

/** Who may open the console, and what they may do there. */
export function consoleMode(principal: Principal): ConsoleMode | null {
  if (principal.role === 'admin' || principal.role === 'analyst') return 'write';
  if (principal.role === 'executive') return 'shared';
  return null;
}

export function sqlPageRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  registry.add(
    router,
    {
      mount: '',
      tag: 'pages',
      page: true,
      method: 'get',
      path: '/sql',
      summary: 'The SQL console: query the warehouse, save and share queries, chart a result',
      roles: ALL_ROLES,
    },
    ({ principal, req, res }) => {
      const user = { name: principal.name, role: principal.role };
      const mode = consoleMode(principal);
      if (!mode)
        return sendPage(
          res,
          sqlRefusalPage({
            user,
            csrfToken: req.csrfToken ?? '',
            message: `The SQL console is for analysts and executives; the ${principal.role} role has none. Your home page lists what you can use.`,
          }),
          403,
        );
      sendPage(
        res,
        sqlConsolePage({
          user,
          csrfToken: req.csrfToken ?? '',
          nonce: String(res.locals.cspNonce),
          config: {
            mode,
            rowLimit: ctx.config.sqlRowLimit,
            timeoutSeconds: Math.round(ctx.config.sqlTimeoutMs / 1000),
            nonce: String(res.locals.cspNonce),
          },
        }),
      );
    },
  );
  return router;
}

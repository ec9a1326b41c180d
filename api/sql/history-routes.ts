/** GET /sql/history: who ran which query, when, how long, how many rows, and what failed. */
import { Router } from 'express';
import type { AppContext } from '../../context.ts';
import { AppError } from '../errors.ts';
import { idPage, pageOf, pageSchema } from '../pagination.ts';
import type { RouteRegistry } from '../route.ts';
import { historyDto, listHistory, toHistoryDto, type HistoryOwner } from './history.ts';
import { historyQuery } from './saved-schemas.ts';

export function historyRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  registry.add(
    router,
    {
      method: 'get',
      path: '/sql/history',
      summary:
        'Queries run through POST /sql and saved runs, newest first: your own (an admin: everyone’s)',
      tag: 'sql',
      // Executives run shared saved queries, so they have a history of their own too.
      roles: ['analyst', 'executive'],
      query: historyQuery,
      response: pageSchema(historyDto),
    },
    async ({ query, principal }) => {
      let owner: HistoryOwner;
      if (principal.role === 'admin')
        owner = query.userId !== undefined ? { userId: query.userId } : null;
      else {
        owner =
          principal.userId !== null ? { userId: principal.userId } : { keyId: principal.keyId! };
        if (query.userId !== undefined && query.userId !== principal.userId)
          throw new AppError(
            'forbidden',
            `userId: role ${principal.role} sees only its own history; leave userId out`,
          );
      }
      const rows = await listHistory(
        ctx.ops.db,
        owner,
        { savedQueryId: query.savedQueryId },
        idPage(query),
      );
      return pageOf(rows, query.limit, toHistoryDto);
    },
  );
  return router;
}

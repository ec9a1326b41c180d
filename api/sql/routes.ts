/**
 * POST /sql: a read-only query of the warehouse by an analyst or an admin, answered in the
 * format `Accept` asks for — JSON (default), CSV, Arrow IPC stream or Parquet. Executives run
 * only shared saved queries, never their own text.
 */
import { Router, type Request } from 'express';
import type { AppContext } from '../../context.ts';
import { AppError } from '../errors.ts';
import type { RouteRegistry } from '../route.ts';
import { toArrowStream } from './arrow.ts';
import { toCsvText } from './csv.ts';
import { toJsonAnswer } from './json.ts';
import { sendParquet } from './parquet.ts';
import { sqlBody, sqlResult } from './schemas.ts';
import { runSql } from './service.ts';

/** The media types POST /sql answers besides application/json. */
export const SQL_MEDIA = {
  csv: 'text/csv',
  arrow: 'application/vnd.apache.arrow.stream',
  parquet: 'application/vnd.apache.parquet',
} as const;

type Format = 'json' | keyof typeof SQL_MEDIA;

/** The format `Accept` asks for (JSON when it says nothing, or anything); 406 for none we have. */
export function formatOf(req: Request): Format {
  const pick = req.accepts(['application/json', ...Object.values(SQL_MEDIA)]);
  if (pick === false)
    throw new AppError(
      'not_acceptable',
      `Accept: answers come as application/json, ${Object.values(SQL_MEDIA).join(', ')}`,
    );
  const entry = Object.entries(SQL_MEDIA).find(([, type]) => type === pick);
  return entry ? (entry[0] as Format) : 'json';
}

/** The SQL endpoints. */
export function sqlRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();

  registry.add(
    router,
    {
      method: 'post',
      path: '/sql',
      operationId: 'runSql',
      summary:
        'Run one read-only query on the warehouse (Accept: JSON, CSV, Arrow stream or Parquet)',
      tag: 'sql',
      roles: ['analyst'],
      body: sqlBody,
      response: sqlResult,
      status: 200,
      media: Object.values(SQL_MEDIA),
      errors: [406, 408, 422, 429, 503],
      // A read: it makes nothing stale (api/route.ts would otherwise tell the scheduler).
      bookkeeping: true,
    },
    async ({ body, principal, req, res }) => {
      const format = formatOf(req);
      const request = {
        sql: body.sql,
        params: body.params,
        limit: body.limit,
        timeoutMs: body.timeoutMs,
      };
      if (format === 'parquet') {
        await sendParquet(ctx, principal, request, res);
        return undefined;
      }
      const result = await runSql(ctx, principal, request);
      if (format === 'json') return toJsonAnswer(result);
      res.setHeader('x-row-count', String(result.rowCount));
      res.setHeader('x-truncated', String(result.truncated));
      if (format === 'csv')
        res
          .status(200)
          .type('text/csv; charset=utf-8')
          .setHeader('content-disposition', 'attachment; filename="query.csv"')
          .send(toCsvText(result));
      else res.status(200).type(SQL_MEDIA.arrow).send(toArrowStream(result));
      return undefined;
    },
  );
  return router;
}

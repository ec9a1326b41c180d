/**
 * GET /health: is the operational database and the warehouse answering, and (in a server that
 * runs jobs) how fresh the warehouse is. Public, for load balancers and monitors: no key, and
 * nothing slower than two reads of the warehouse's run logs.
 */
import { Router } from 'express';
import { sql } from 'kysely';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { RouteRegistry } from '../route.ts';
import { pingWarehouse } from '../../warehouse/duckdb.ts';
import { freshnessDto } from '../jobs/schemas.ts';

const healthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  database: z.object({
    ok: z.boolean(),
    kind: z.enum(['postgres', 'embedded']),
    error: z.string().optional(),
  }),
  warehouse: z.object({
    ok: z.boolean(),
    configured: z.boolean(),
    error: z.string().optional(),
    freshness: freshnessDto.optional().describe('as GET /api/v1/warehouse/freshness answers it'),
  }),
});

async function check(fn: () => Promise<unknown>): Promise<{ ok: boolean; error?: string }> {
  try {
    await fn();
    return { ok: true };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

export function healthRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  registry.add(
    router,
    {
      method: 'get',
      path: '/health',
      summary: 'Database and warehouse status',
      tag: 'system',
      roles: 'public',
      response: healthSchema,
      alsoSuccess: [503], // degraded: the same body, saying which part is down
      mount: '',
    },
    async ({ res }) => {
      const database = await check(() => sql`SELECT 1`.execute(ctx.ops.db));
      const warehouse = ctx.warehouse
        ? await check(() => pingWarehouse(ctx.warehouse!))
        : { ok: true };
      const ok = database.ok && warehouse.ok;
      // Freshness is information, not health: a warehouse behind by a failed cycle still serves.
      const freshness =
        warehouse.ok && ctx.jobs ? await ctx.jobs.freshness().catch(() => undefined) : undefined;
      res.status(ok ? 200 : 503);
      return {
        status: ok ? 'ok' : 'degraded',
        database: { ...database, kind: ctx.ops.kind },
        warehouse: {
          ...warehouse,
          configured: Boolean(ctx.warehouse),
          ...(freshness ? { freshness } : {}),
        },
      };
    },
  );
  return router;
}

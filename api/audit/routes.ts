/** GET /audit: who changed what, when — newest first, filtered by entity and id. */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { idText } from '../fields.ts';
import { decodeCursor, pageOf, pageSchema, paginationQuery } from '../pagination.ts';
import type { RouteRegistry } from '../route.ts';

const auditQuery = paginationQuery.extend({
  entity: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .describe('customer, contact, activity, opportunity, quota, …'),
  id: z.string().trim().min(1).max(100).optional().describe('the entity id'),
  keyId: idText.optional().describe('who: API key id'),
});

const auditEntry = z.object({
  id: z.number(),
  at: z.string(),
  apiKeyId: z.number().nullable().describe('null: the system (jobs, demo loader)'),
  keyName: z.string().nullable(),
  role: z.string().nullable(),
  entity: z.string(),
  entityId: z.string(),
  action: z.string(),
  diff: z.record(z.string(), z.object({ from: z.unknown(), to: z.unknown() })),
});

export function auditRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  const db = ctx.ops.db;
  registry.add(
    router,
    {
      method: 'get',
      path: '/audit',
      summary: 'The audit log (?entity=&id=&keyId=), newest first',
      tag: 'audit',
      roles: ['analyst'],
      query: auditQuery,
      response: pageSchema(auditEntry),
    },
    async ({ query }) => {
      const before = decodeCursor(query.cursor);
      let q = db
        .selectFrom('audit_log as a')
        .leftJoin('api_keys as k', 'k.id', 'a.api_key_id')
        .select([
          'a.id',
          'a.at',
          'a.api_key_id',
          'k.name',
          'k.role',
          'a.entity',
          'a.entity_id',
          'a.action',
          'a.diff',
        ]);
      if (query.entity) q = q.where('a.entity', '=', query.entity);
      if (query.id) q = q.where('a.entity_id', '=', query.id);
      if (query.keyId) q = q.where('a.api_key_id', '=', query.keyId);
      if (before !== undefined) q = q.where('a.id', '<', before);
      const rows = await q
        .orderBy('a.id', 'desc')
        .limit(query.limit + 1)
        .execute();
      return pageOf(rows, query.limit, (r) => ({
        id: r.id,
        at: r.at.toISOString(),
        apiKeyId: r.api_key_id,
        keyName: r.name,
        role: r.role,
        entity: r.entity,
        entityId: r.entity_id,
        action: r.action,
        diff: r.diff as Record<string, { from: unknown; to: unknown }>,
      }));
    },
  );
  return router;
}

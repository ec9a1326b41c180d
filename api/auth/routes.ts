/** /api/v1/me and the admin-only /api/v1/api-keys endpoints. */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { notFound } from '../errors.ts';
import type { RouteRegistry } from '../route.ts';
import { apiKeyDto, createdKeyDto, createKeyBody, meDto, toApiKeyDto } from './schemas.ts';
import { createApiKey, listKeys, revokeKey } from './service.ts';
import { idPage, pageOf, pageSchema, paginationQuery } from '../pagination.ts';
import { idParams } from '../fields.ts';

const ALL_ROLES = ['admin', 'manager', 'staff', 'analyst', 'executive'] as const;

export function authRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  const tag = 'auth';

  registry.add(
    router,
    {
      method: 'get',
      path: '/me',
      summary: 'The caller (API key or signed-in user) and its role',
      tag,
      roles: ALL_ROLES,
      response: meDto,
    },
    ({ principal }) => principal,
  );

  registry.add(
    router,
    {
      method: 'get',
      path: '/api-keys',
      summary: 'List API keys (never the secrets)',
      tag,
      roles: ['admin'],
      query: paginationQuery,
      response: pageSchema(apiKeyDto),
    },
    async ({ query }) =>
      pageOf(await listKeys(ctx.ops.db, idPage(query)), query.limit, toApiKeyDto),
  );

  registry.add(
    router,
    {
      method: 'post',
      path: '/api-keys',
      summary: 'Create an API key; the key is in this answer only',
      tag,
      roles: ['admin'],
      body: createKeyBody,
      response: createdKeyDto,
      status: 201,
      bookkeeping: true, // keys are not business data: no refresh of the warehouse
    },
    async ({ body, principal }) => {
      const created = await createApiKey(ctx.ops.db, body, principal);
      return { ...toApiKeyDto(created), key: created.key };
    },
  );

  registry.add(
    router,
    {
      method: 'delete',
      path: '/api-keys/:id',
      summary: 'Revoke an API key',
      tag,
      roles: ['admin'],
      params: idParams,
      status: 204,
      bookkeeping: true,
    },
    async ({ params, principal }) => {
      const r = await revokeKey(ctx.ops.db, params.id, principal);
      if (!r) throw notFound('active API key', params.id);
      return undefined;
    },
  );
  return router;
}

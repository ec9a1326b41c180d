/**
 * /api/v1/webhooks (admin): subscriptions to the event outbox, their deliveries and redelivery.
 * Configuration, not business data: no write here makes the warehouse stale (`bookkeeping`).
 */
import { Router } from 'express';
import type { AppContext } from '../../context.ts';
import { notFound } from '../errors.ts';
import { idParams } from '../fields.ts';
import { decodeCursor, idPage, pageOf, pageSchema, paginationQuery } from '../pagination.ts';
import type { RouteRegistry } from '../route.ts';
import * as repo from './repository.ts';
import {
  createdWebhookDto,
  createWebhookBody,
  deliveriesQuery,
  deliveryDto,
  deliveryParams,
  patchWebhookBody,
  rotateSecretBody,
  toWebhookDto,
  webhookDto,
} from './schemas.ts';
import * as service from './service.ts';

export function webhookRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  const db = ctx.ops.db;
  const deps = { db, config: ctx.config };
  const tag = 'webhooks';
  const roles = ['admin'] as const;

  registry.add(
    router,
    {
      method: 'get',
      path: '/webhooks',
      summary: 'List webhooks (never their secrets)',
      tag,
      roles,
      query: paginationQuery,
      response: pageSchema(webhookDto),
    },
    async ({ query }) =>
      pageOf(await repo.listWebhooks(db, idPage(query)), query.limit, toWebhookDto),
  );
  registry.add(
    router,
    {
      method: 'post',
      path: '/webhooks',
      summary: 'Create a webhook; the answer holds its signing secret, shown this once',
      tag,
      roles,
      body: createWebhookBody,
      response: createdWebhookDto,
      status: 201,
      bookkeeping: true,
    },
    ({ body, principal }) => service.createWebhook(deps, principal, body),
  );
  registry.add(
    router,
    {
      method: 'get',
      path: '/webhooks/:id',
      summary: 'One webhook',
      tag,
      roles,
      params: idParams,
      response: webhookDto,
    },
    async ({ params }) => {
      const row = await repo.findWebhook(db, params.id);
      if (!row) throw notFound('webhook', params.id);
      return toWebhookDto(row);
    },
  );
  registry.add(
    router,
    {
      method: 'patch',
      path: '/webhooks/:id',
      summary: 'Change a webhook; active: true enables a disabled one',
      tag,
      roles,
      params: idParams,
      body: patchWebhookBody,
      response: webhookDto,
      bookkeeping: true,
    },
    ({ params, body, principal }) => service.updateWebhook(deps, principal, params.id, body),
  );
  registry.add(
    router,
    {
      method: 'delete',
      path: '/webhooks/:id',
      summary: 'Delete a webhook: nothing more is delivered to it',
      tag,
      roles,
      params: idParams,
      status: 204,
      bookkeeping: true,
    },
    async ({ params, principal }) => {
      await service.deleteWebhook(deps, principal, params.id);
      return undefined;
    },
  );
  registry.add(
    router,
    {
      method: 'post',
      path: '/webhooks/:id/rotate-secret',
      summary:
        'A new signing secret, in force at once, the old one still signing too for previousSecretHours (24); the answer holds the new one, shown this once',
      tag,
      roles,
      params: idParams,
      body: rotateSecretBody,
      bodyOptional: true,
      response: createdWebhookDto,
      bookkeeping: true,
    },
    ({ params, body, principal }) =>
      service.rotateSecret(deps, principal, params.id, body.previousSecretHours),
  );
  registry.add(
    router,
    {
      method: 'get',
      path: '/webhooks/:id/deliveries',
      summary: "A webhook's deliveries, newest first, with attempts, status codes and latencies",
      tag,
      roles,
      params: idParams,
      query: deliveriesQuery,
      response: pageSchema(deliveryDto),
    },
    ({ params, query }) =>
      service.listDeliveries(db, params.id, {
        beforeId: decodeCursor(query.cursor),
        limit: query.limit,
        status: query.status,
      }),
  );
  registry.add(
    router,
    {
      method: 'post',
      path: '/webhooks/:id/deliveries/:deliveryId/redeliver',
      summary: 'Send a delivery again now (same webhook-id, so receivers can dedupe)',
      tag,
      roles,
      params: deliveryParams,
      response: deliveryDto,
      bookkeeping: true,
    },
    ({ params, principal }) => service.redeliver(db, principal, params.id, params.deliveryId),
  );
  return router;
}

/**
 * Webhook rules: a URL must be http(s) and (unless SALESOPS_WEBHOOK_ALLOW_PRIVATE) resolve to
 * public addresses only; the secret is made here, stored encrypted and returned once; a new
 * webhook receives the events published from its creation on; every write is audited and emits
 * its `webhook.*` event (never with the secret: the outbox reaches the warehouse).
 */
import type { Kysely, Transaction } from 'kysely';
import type { z } from 'zod';
import type { Config } from '../../config.ts';
import type { DB } from '../../db/schema.ts';
import { recordAudit } from '../audit/audit.ts';
import type { Principal } from '../auth/principal.ts';
import { fieldProblem, notFound } from '../errors.ts';
import { publishAll } from '../events/publish.ts';
import { resolveTarget, TargetRefusedError } from './address.ts';
import * as repo from './repository.ts';
import {
  DEFAULT_PREVIOUS_SECRET_HOURS,
  toDeliveryDto,
  toWebhookDto,
  type createWebhookBody,
  type DeliveryDto,
  type patchWebhookBody,
  type WebhookDto,
} from './schemas.ts';
import { loggedWebhook } from './logged-url.ts';
import { encryptSecret, generateSecret } from './secret.ts';
import { loadWebhookKey } from './secret-key.ts';

/** What the webhook rules need from the server. */
export type WebhookDeps = {
  db: Kysely<DB>;
  config: Pick<Config, 'webhookAllowPrivate' | 'webhookKey' | 'dataDir'>;
};

/** 422 naming `url` unless it may be delivered to (checked again before every delivery). */
async function checkUrl(deps: WebhookDeps, url: string): Promise<void> {
  try {
    await resolveTarget(new URL(url), deps.config.webhookAllowPrivate);
  } catch (e) {
    if (e instanceof TargetRefusedError)
      throw fieldProblem('unprocessable', 'url', e.message, 'body');
    throw e;
  }
}

/** A new webhook and its secret, which is shown this once. */
export async function createWebhook(
  deps: WebhookDeps,
  principal: Principal,
  input: z.output<typeof createWebhookBody>,
): Promise<WebhookDto & { secret: string }> {
  await checkUrl(deps, input.url);
  const secret = generateSecret();
  const stored = encryptSecret(loadWebhookKey(deps.config), secret);
  // Numbered first, so "from its creation on" means after every event committed before it.
  await publishAll(deps.db);
  const dto = await deps.db.transaction().execute(async (trx) => {
    const row = await repo.insertWebhook(trx, {
      url: input.url,
      description: input.description ?? '',
      event_types: input.eventTypes,
      secret_encrypted: stored,
      active: input.active ?? true,
      last_event_id: await repo.newestEventId(trx),
    });
    const after = toWebhookDto(row);
    await recordWebhookChange(trx, principal, 'create', 'webhook.created', null, after);
    return after;
  });
  return { ...dto, secret };
}

/**
 * The audit row and the event of a webhook change, both with the URL as logs keep it
 * (logged-url.ts): the answer alone shows it whole.
 */
function recordWebhookChange(
  trx: Transaction<DB>,
  principal: Principal,
  action: string,
  type: string,
  before: WebhookDto | null,
  after: WebhookDto | null,
): Promise<void> {
  const was = before && loggedWebhook(before);
  const is = after && loggedWebhook(after);
  const payload = (is ?? was)!;
  return recordAudit(trx, {
    principal,
    entity: 'webhook',
    entityId: payload.id,
    action,
    before: was,
    after: is,
    events: [{ type, entity: { type: 'webhook', id: payload.id }, payload, principal }],
  });
}

/**
 * Change a webhook. Enabling a disabled one clears why it was disabled and its failure count; it
 * resumes where it stopped, so the events of the time it was off are delivered too.
 */
export async function updateWebhook(
  deps: WebhookDeps,
  principal: Principal,
  id: number,
  input: z.output<typeof patchWebhookBody>,
): Promise<WebhookDto> {
  if (input.url !== undefined) await checkUrl(deps, input.url);
  return deps.db.transaction().execute(async (trx) => {
    const row = await repo.findWebhook(trx, id, { lock: true });
    if (!row) throw notFound('webhook', id);
    const before = toWebhookDto(row);
    const enabling = input.active === true && !row.active;
    const disabling = input.active === false && row.active;
    const updated = await repo.updateWebhook(trx, id, {
      url: input.url,
      event_types: input.eventTypes,
      description: input.description,
      active: input.active,
      ...(enabling
        ? { disabled_reason: null, disabled_at: null, consecutive_failures: 0, failing_since: null }
        : {}),
      ...(disabling ? { disabled_reason: 'disabled by an admin', disabled_at: new Date() } : {}),
    });
    const after = toWebhookDto(updated);
    await recordWebhookChange(trx, principal, 'update', 'webhook.updated', before, after);
    return after;
  });
}

/** Soft delete: nothing more is delivered; its deliveries stay listed in the database. */
export async function deleteWebhook(deps: WebhookDeps, principal: Principal, id: number) {
  await deps.db.transaction().execute(async (trx) => {
    const row = await repo.findWebhook(trx, id, { lock: true });
    if (!row) throw notFound('webhook', id);
    const before = toWebhookDto(row);
    await repo.updateWebhook(trx, id, { deleted_at: new Date(), active: false });
    await recordWebhookChange(trx, principal, 'delete', 'webhook.deleted', before, null);
  });
}

/**
 * A new secret, in force at once; shown this once. The old one keeps signing beside it for
 * `previousHours` (a receiver switches when it deploys); 0 stops it at once. A secret two
 * rotations old never signs again.
 */
export async function rotateSecret(
  deps: WebhookDeps,
  principal: Principal,
  id: number,
  previousHours = DEFAULT_PREVIOUS_SECRET_HOURS,
): Promise<WebhookDto & { secret: string }> {
  const secret = generateSecret();
  const stored = encryptSecret(loadWebhookKey(deps.config), secret);
  const dto = await deps.db.transaction().execute(async (trx) => {
    const row = await repo.findWebhook(trx, id, { lock: true });
    if (!row) throw notFound('webhook', id);
    const keep = previousHours > 0;
    const updated = await repo.updateWebhook(trx, id, {
      secret_encrypted: stored,
      previous_secret_encrypted: keep ? row.secret_encrypted : null,
      previous_secret_expires_at: keep ? new Date(Date.now() + previousHours * 3_600_000) : null,
    });
    const after = toWebhookDto(updated);
    const before = toWebhookDto(row);
    await recordWebhookChange(
      trx,
      principal,
      'rotate_secret',
      'webhook.secret_rotated',
      before,
      after,
    );
    return after;
  });
  return { ...dto, secret };
}

/** A page of a webhook's deliveries, newest first, each with its recent attempts. */
export async function listDeliveries(
  db: Kysely<DB>,
  webhookId: number,
  opts: { beforeId?: number; limit: number; status?: DeliveryDto['status'] },
) {
  if (!(await repo.findWebhook(db, webhookId))) throw notFound('webhook', webhookId);
  const rows = await repo.listDeliveries(db, webhookId, { ...opts, limit: opts.limit + 1 });
  const page = rows.slice(0, opts.limit);
  const attempts = await repo.attemptsOf(
    db,
    page.map((r) => r.id),
  );
  const items = page.map((r) =>
    toDeliveryDto(
      r,
      attempts.filter((a) => a.delivery_id === r.id),
    ),
  );
  const last = page[page.length - 1];
  return {
    items,
    nextCursor:
      rows.length > opts.limit && last
        ? Buffer.from(String(last.id), 'utf8').toString('base64url')
        : null,
  };
}

/**
 * Send a delivery again: it is pending and due now, with a fresh retry window. It keeps its
 * place in its entity's order, so later events of the entity wait until it is through.
 */
export async function redeliver(
  db: Kysely<DB>,
  principal: Principal,
  webhookId: number,
  deliveryId: number,
): Promise<DeliveryDto> {
  return db.transaction().execute(async (trx) => {
    const webhook = await repo.findWebhook(trx, webhookId);
    if (!webhook) throw notFound('webhook', webhookId);
    const delivery = await repo.findDelivery(trx, webhookId, deliveryId, { lock: true });
    if (!delivery) throw notFound('delivery', deliveryId);
    if (!webhook.active)
      throw fieldProblem(
        'conflict',
        'active',
        'the webhook is disabled; enable it (PATCH active: true) first',
        undefined,
        `webhook ${webhookId} is disabled; enable it (PATCH active: true) to redeliver`,
      );
    if (delivery.status === 'delivering')
      throw fieldProblem('conflict', 'deliveryId', 'is being delivered right now', 'path');
    if (!(await repo.eventExists(trx, delivery.event_id)))
      throw fieldProblem(
        'conflict',
        'deliveryId',
        `its event ${delivery.event_id} was removed by retention`,
        'path',
      );
    const requeued = await repo.requeueDelivery(trx, deliveryId);
    const dto = toDeliveryDto(requeued, await repo.attemptsOf(trx, [deliveryId]));
    await recordAudit(trx, {
      principal,
      entity: 'webhook_delivery',
      entityId: deliveryId,
      action: 'redeliver',
      before: { status: delivery.status },
      after: { status: dto.status, webhookId, eventId: dto.eventId },
      events: [
        {
          type: 'webhook_delivery.requeued',
          entity: { type: 'webhook_delivery', id: deliveryId },
          payload: dto,
          principal,
        },
      ],
    });
    return dto;
  });
}

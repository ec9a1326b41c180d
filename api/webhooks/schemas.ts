/** Request/response shapes for /api/v1/webhooks, and the row → DTO mappers. */
import type { Selectable } from 'kysely';
import { z } from 'zod';
import type {
  WebhookAttemptsTable,
  WebhookDeliveriesTable,
  WebhooksTable,
} from '../../db/schema-webhooks.ts';
import { idText } from '../fields.ts';
import { paginationQuery } from '../pagination.ts';
import { MAX_TYPE_PATTERNS } from '../events/type-patterns.ts';
import { isEventTypePattern } from './policy.ts';

/** An absolute http(s) URL without credentials (the signature is how the receiver knows us). */
export const webhookUrl = z
  .string()
  .trim()
  .min(1)
  .max(2000)
  .superRefine((v, ctx) => {
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute http:// or https:// URL' });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      ctx.addIssue({ code: 'custom', message: 'must be an http:// or https:// URL' });
    else if (url.username || url.password)
      ctx.addIssue({
        code: 'custom',
        message: 'must not hold a user name or password (the signature authenticates salesops)',
      });
  });

const eventTypes = z
  .array(
    z
      .string()
      .trim()
      .max(200)
      .refine(
        isEventTypePattern,
        'must be an event type (order.shipped), an area with .* (order.*) or *',
      ),
  )
  .min(1)
  .max(MAX_TYPE_PATTERNS)
  .transform((list) => [...new Set(list)])
  .describe('event types or patterns: order.shipped, order.*, *');

export const createWebhookBody = z.strictObject({
  url: webhookUrl,
  eventTypes,
  description: z.string().trim().max(500).optional(),
  active: z.boolean().optional(),
});

export const patchWebhookBody = z.strictObject({
  url: webhookUrl.optional(),
  eventTypes: eventTypes.optional(),
  description: z.string().trim().max(500).optional(),
  active: z
    .boolean()
    .optional()
    .describe('true enables a disabled webhook; it resumes where it stopped'),
});

export const webhookDto = z.object({
  id: z.number(),
  url: z.string(),
  description: z.string(),
  eventTypes: z.array(z.string()),
  active: z.boolean(),
  disabledReason: z.string().nullable().describe('why the dispatcher disabled it'),
  disabledAt: z.string().nullable(),
  consecutiveFailures: z.number().describe('failed attempts since the last success'),
  previousSecretExpiresAt: z
    .string()
    .nullable()
    .describe(
      'until when the secret before the last rotation still signs too (each delivery then carries two signatures); null when only the current one signs',
    ),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type WebhookDto = z.infer<typeof webhookDto>;

const secretField = z
  .string()
  .describe('whsec_…: the signing secret, shown this once (GET never shows it)');

export const createdWebhookDto = webhookDto.extend({ secret: secretField });

/** How long the old secret keeps signing after a rotation, unless the request says. */
export const DEFAULT_PREVIOUS_SECRET_HOURS = 24;

export const rotateSecretBody = z.strictObject({
  previousSecretHours: z
    .number()
    .int()
    .min(0)
    .max(168)
    .optional()
    .describe(
      `hours the old secret keeps signing too (default ${DEFAULT_PREVIOUS_SECRET_HOURS}); 0 stops it at once, as for a leaked secret`,
    ),
});

export const DELIVERY_STATUSES = ['pending', 'delivering', 'succeeded', 'dead'] as const;

export const deliveriesQuery = paginationQuery.extend({
  status: z.enum(DELIVERY_STATUSES).optional(),
});

export const deliveryParams = z.object({ id: idText, deliveryId: idText });

export const attemptDto = z.object({
  attempt: z.number(),
  at: z.string(),
  statusCode: z.number().nullable(),
  latencyMs: z.number().nullable(),
  response: z.string().nullable().describe("the first ~500 bytes of the receiver's answer"),
  error: z.string().nullable(),
});

export const deliveryDto = z.object({
  id: z.number(),
  webhookId: z.number(),
  eventId: z.number(),
  eventType: z.string(),
  entityType: z.string(),
  entityId: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  attemptCount: z.number(),
  nextAttemptAt: z.string().nullable().describe('when pending: the next attempt'),
  lastAttemptAt: z.string().nullable(),
  lastStatusCode: z.number().nullable(),
  lastLatencyMs: z.number().nullable(),
  lastResponse: z.string().nullable(),
  lastError: z.string().nullable(),
  finishedAt: z.string().nullable().describe('when it succeeded or went dead'),
  createdAt: z.string(),
  attempts: z.array(attemptDto).describe('the most recent attempts, oldest first'),
});
export type DeliveryDto = z.infer<typeof deliveryDto>;

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function toWebhookDto(r: Selectable<WebhooksTable>): WebhookDto {
  return {
    id: r.id,
    url: r.url,
    description: r.description,
    eventTypes: r.event_types,
    active: r.active,
    disabledReason: r.disabled_reason,
    disabledAt: iso(r.disabled_at),
    consecutiveFailures: r.consecutive_failures,
    previousSecretExpiresAt: iso(r.previous_secret_expires_at),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** `order:42` → ['order', '42'] (entity types hold no colon). */
function splitEntityKey(key: string): [string, string] {
  const at = key.indexOf(':');
  return at < 0 ? [key, ''] : [key.slice(0, at), key.slice(at + 1)];
}

export function toDeliveryDto(
  r: Selectable<WebhookDeliveriesTable>,
  attempts: Selectable<WebhookAttemptsTable>[],
): DeliveryDto {
  const [entityType, entityId] = splitEntityKey(r.entity_key);
  return {
    id: r.id,
    webhookId: r.webhook_id,
    eventId: r.event_id,
    eventType: r.event_type,
    entityType,
    entityId,
    status: r.status,
    attemptCount: r.attempts,
    nextAttemptAt: r.status === 'pending' ? r.next_attempt_at.toISOString() : null,
    lastAttemptAt: iso(r.last_attempt_at),
    lastStatusCode: r.last_status_code,
    lastLatencyMs: r.last_latency_ms,
    lastResponse: r.last_response,
    lastError: r.last_error,
    finishedAt: iso(r.finished_at),
    createdAt: r.created_at.toISOString(),
    attempts: attempts.map((a) => ({
      attempt: a.attempt,
      at: a.at.toISOString(),
      statusCode: a.status_code,
      latencyMs: a.latency_ms,
      response: a.response,
      error: a.error,
    })),
  };
}

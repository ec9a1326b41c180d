/**
 * What a picked batch of deliveries needs to be sent: each webhook's address and secret, and
 * each event's body — the event exactly as the feed shows it (api/events/schemas.ts
 * `toEventDto`, read by the feed's own query). Webhooks are admin configuration, so a webhook
 * reads every event its patterns match, as an admin reads the feed. Built from the stored row on
 * every attempt, so a retry or a redelivery sends the same bytes (unless the actor was renamed
 * in between). Two queries per batch, not two per delivery.
 */
import { sql, type Kysely, type SqlBool } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { readEvents } from '../events/repository.ts';
import { toEventDto, type EventDto } from '../events/schemas.ts';
import type { PickedDelivery } from './delivery-store.ts';

export interface DeliveryInputs {
  /** By webhook id; a webhook missing here was deleted for good. */
  webhooks: Map<
    number,
    { url: string; secret_encrypted: string; previous_secret_encrypted: string | null }
  >;
  /** By event id; an event missing here was removed by retention. */
  events: Map<number, EventDto>;
}

export async function readInputs(
  db: Kysely<DB>,
  picked: readonly PickedDelivery[],
): Promise<DeliveryInputs> {
  const eventIds = [...new Set(picked.map((p) => p.eventId))];
  const webhookIds = [...new Set(picked.map((p) => p.webhookId))];
  const [webhooks, events] = await Promise.all([
    db
      .selectFrom('webhooks')
      .select(['id', 'url', 'secret_encrypted'])
      // The secret before the last rotation, while it still signs.
      .select(
        sql<string | null>`CASE WHEN previous_secret_expires_at > clock_timestamp()
          THEN previous_secret_encrypted END`.as('previous_secret_encrypted'),
      )
      .where('id', 'in', webhookIds)
      .execute(),
    readEvents(db, {
      after: Math.min(...eventIds) - 1,
      upTo: Math.max(...eventIds),
      limit: eventIds.length,
      filters: {},
      visible: sql<SqlBool>`e.id = ANY(${eventIds}::bigint[])`,
    }),
  ]);
  return {
    webhooks: new Map(webhooks.map((w) => [Number(w.id), w])),
    events: new Map(events.map((e) => [Number(e.id), toEventDto(e)])),
  };
}

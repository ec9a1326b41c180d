/**
 * The body a webhook receives: the event as the feed (GET /api/v1/events) shows it. Built from
 * the stored row on every attempt, so a retry or a redelivery sends the same bytes.
 */
import type { Selectable } from 'kysely';
import type { EventsTable } from '../../db/schema-events.ts';

/** One event as JSON readers see it. */
export interface EventJson {
  id: number;
  type: string;
  entityType: string;
  entityId: string;
  customerId: number | null;
  schemaVersion: number;
  payload: unknown;
  occurredAt: string;
  /** Who did it: the API key and/or signed-in user; null for the system (jobs, imports). */
  actor: { keyId: number | null; userId: number | null } | null;
}

/** The JSON of a published event row. */
export function toEventJson(row: Selectable<EventsTable>): EventJson {
  return {
    id: Number(row.id),
    type: row.type,
    entityType: row.entity_type,
    entityId: row.entity_id,
    customerId: row.customer_id,
    schemaVersion: row.schema_version,
    payload: row.payload,
    occurredAt: row.occurred_at.toISOString(),
    actor:
      row.actor_key_id === null && row.actor_user_id === null
        ? null
        : { keyId: row.actor_key_id, userId: row.actor_user_id },
  };
}

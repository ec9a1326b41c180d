/**
 * The body a webhook receives: the event as the feed (GET /api/v1/events) shows it. Built from
 * the stored row on every attempt, so a retry or a redelivery sends the same bytes (unless the
 * actor was renamed in between).
 *
 * The shape is the feed's event DTO (branch events-feed, api/events/schemas.ts `toEventDto`,
 * not on main yet); once both are on main this should be that one mapper.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';

/** One event as JSON readers see it. */
export interface EventJson {
  id: number;
  type: string;
  entityType: string;
  entityId: string;
  customerId: number | null;
  schemaVersion: number;
  payload: Record<string, unknown>;
  occurredAt: string;
  /** Who did it: the key, the signed-in user and their name; all null for the system. */
  actor: { keyId: number | null; userId: number | null; name: string | null };
}

/** An events row with its actor's name. */
export interface EventBodyRow {
  id: number | null;
  type: string;
  entity_type: string;
  entity_id: string;
  customer_id: number | null;
  schema_version: number;
  payload: unknown;
  occurred_at: Date;
  actor_key_id: number | null;
  actor_user_id: number | null;
  actor_name: string | null;
}

/** The published event `id` with its actor's name, or undefined once retention removed it. */
export function readEventForBody(db: Kysely<DB>, id: number): Promise<EventBodyRow | undefined> {
  return db
    .selectFrom('events as e')
    .leftJoin('users as u', 'u.id', 'e.actor_user_id')
    .leftJoin('api_keys as k', 'k.id', 'e.actor_key_id')
    .select([
      'e.id',
      'e.type',
      'e.entity_type',
      'e.entity_id',
      'e.customer_id',
      'e.schema_version',
      'e.payload',
      'e.occurred_at',
      'e.actor_key_id',
      'e.actor_user_id',
      // A person by name (or email until they set one), else the machine key's name.
      sql<string | null>`coalesce(nullif(u.name, ''), u.email, k.name)`.as('actor_name'),
    ])
    .where('e.id', '=', id)
    .executeTakeFirst();
}

/** The JSON of a published event row. */
export function toEventJson(row: EventBodyRow): EventJson {
  return {
    id: Number(row.id),
    type: row.type,
    entityType: row.entity_type,
    entityId: row.entity_id,
    customerId: row.customer_id,
    schemaVersion: row.schema_version,
    payload: (row.payload ?? {}) as Record<string, unknown>,
    occurredAt: row.occurred_at.toISOString(),
    actor: { keyId: row.actor_key_id, userId: row.actor_user_id, name: row.actor_name },
  };
}

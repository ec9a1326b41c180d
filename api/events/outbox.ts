/**
 * Writing to the outbox (db/migrations/0800_events.ts): every business write records its events
 * with `recordEvents` (or passes them to `recordAudit`, which does) inside the transaction that
 * makes the change, so an event exists exactly when its change committed. Readers only see an
 * event once the publisher has numbered it (publish.ts).
 *
 * The payload is the entity as the API shows it, versioned by `schemaVersion`. It reaches the
 * warehouse like any table, so it must never hold a one-time secret (a new API key, a webhook
 * secret, a password-setting link): `eventRow` refuses a payload with a field of such a name.
 */
import type { Insertable, Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { EventsTable } from '../../db/schema-events.ts';
import type { Principal } from '../auth/principal.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** One business event as a writer states it. */
export interface BusinessEvent {
  /** `area.what`, e.g. `order.created` (docs/events.md lists them all). */
  type: string;
  entity: { type: string; id: string | number };
  /** The customer the entity belongs to, when it does: managers and staff see their team's. */
  customerId?: number | null;
  /** The entity as the API shows it (or what the event is about, for events without one). */
  payload: Record<string, unknown>;
  /** Bumped when the payload's shape changes incompatibly; 1 for every event today. */
  schemaVersion?: number;
  /** Who did it; null or absent for the system (jobs, imports). */
  principal?: Principal | null;
  /** When it happened, when not now (an import's own time). */
  occurredAt?: Date;
}

/** Field names a payload may never carry, at any depth. */
const SECRET_FIELD = /(secret|password|token|apiKey|api_key|key_hash|keyHash)$/i;

/** Throws when a payload holds a field named like a secret (a bug in the writer, never input). */
function assertNoSecret(value: unknown, path: string): void {
  if (value === null || typeof value !== 'object') return;
  if (value instanceof Date) return;
  for (const [k, v] of Object.entries(value)) {
    if (SECRET_FIELD.test(k)) throw new Error(`event payload must not carry a secret: ${path}${k}`);
    assertNoSecret(v, `${path}${k}.`);
  }
}

/** The events row for an event, for writers that fold the insert into a larger statement. */
export function eventRow(event: BusinessEvent): Insertable<EventsTable> {
  assertNoSecret(event.payload, '');
  return {
    type: event.type,
    entity_type: event.entity.type,
    entity_id: String(event.entity.id),
    customer_id: event.customerId ?? null,
    schema_version: event.schemaVersion ?? 1,
    payload: JSON.stringify(event.payload),
    occurred_at: event.occurredAt,
    actor_key_id: event.principal?.keyId ?? null,
    actor_user_id: event.principal?.userId ?? null,
  };
}

/** Append events inside the caller's transaction, in the order given. */
export async function recordEvents(db: Db, events: readonly BusinessEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.insertInto('events').values(events.map(eventRow)).execute();
}

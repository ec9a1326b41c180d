/**
 * Table types of webhooks and their deliveries (db/migrations/0810_webhooks.ts). Beside
 * db/schema.ts, which lists them in `DB`.
 */
import type { ColumnType, Generated } from 'kysely';
import type { Id, NullableStamp, SoftDelete, Stamp, Timestamps } from './schema.ts';

/** A subscription: where to POST which events, signed with its (encrypted) secret. */
export interface WebhooksTable extends Timestamps, SoftDelete {
  id: Id;
  url: string;
  description: ColumnType<string, string | undefined, string>;
  event_types: string[];
  /** AES-256-GCM of the whsec_… secret (api/webhooks/secret.ts); never leaves the database. */
  secret_encrypted: string;
  /** The secret before the last rotation, still signing until previous_secret_expires_at. */
  previous_secret_encrypted: ColumnType<string | null, string | null | undefined, string | null>;
  previous_secret_expires_at: NullableStamp;
  active: Generated<boolean>;
  disabled_reason: ColumnType<string | null, string | null | undefined, string | null>;
  disabled_at: NullableStamp;
  consecutive_failures: ColumnType<number, number | undefined, number>;
  failing_since: NullableStamp;
  last_event_id: ColumnType<number, number | undefined, number>;
}

export type DeliveryStatus = 'pending' | 'delivering' | 'succeeded' | 'dead';

/** One event owed to one webhook, and where its delivery stands. */
export interface WebhookDeliveriesTable extends Timestamps {
  id: Id;
  webhook_id: number;
  event_id: number;
  event_type: string;
  /** `entity_type:entity_id`: deliveries of one entity go out one at a time, in event order. */
  entity_key: string;
  status: ColumnType<DeliveryStatus, DeliveryStatus | undefined, DeliveryStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Stamp;
  window_started_at: NullableStamp;
  lease_until: NullableStamp;
  last_attempt_at: NullableStamp;
  last_status_code: number | null;
  last_latency_ms: number | null;
  last_response: string | null;
  last_error: string | null;
  finished_at: NullableStamp;
}

/** One HTTP attempt of a delivery. */
export interface WebhookAttemptsTable extends Timestamps {
  id: Id;
  delivery_id: number;
  webhook_id: number;
  attempt: number;
  at: Stamp;
  status_code: number | null;
  latency_ms: number | null;
  response: string | null;
  error: string | null;
}

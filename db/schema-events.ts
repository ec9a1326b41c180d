/**
 * Table types of the outbox (db/migrations/0800_events.ts). Beside db/schema.ts, which lists
 * them in `DB`.
 */
import type { ColumnType, Generated } from 'kysely';
import type { NullableStamp, Stamp } from './schema.ts';

/** One business event. `id` is NULL until the publisher numbers it (commit order). */
export interface EventsTable {
  row_id: Generated<number>;
  id: ColumnType<number | null, never, number | null>;
  type: string;
  entity_type: string;
  entity_id: string;
  customer_id: number | null;
  schema_version: ColumnType<number, number | undefined, number>;
  payload: ColumnType<unknown, string, string>;
  occurred_at: Stamp;
  actor_key_id: number | null;
  actor_user_id: number | null;
  published_at: NullableStamp;
  created_at: Stamp;
  updated_at: Stamp;
}

/** The publisher's one-row counter: the last id handed out, and the last removed by retention. */
export interface EventCounterTable {
  one: ColumnType<boolean, never, never>;
  last: ColumnType<number, never, number>;
  pruned_through: ColumnType<number, never, number>;
}

/**
 * The outbox (issue #17): one `events` table that every business write feeds in its own
 * transaction, read by the feed (GET /api/v1/events, the SSE stream) and the webhook dispatcher.
 *
 * Two numbers per event, because identity values are not handed out in commit order: a writer
 * that took row_id 10 can commit after one that took row_id 11, and a reader resuming "after 10"
 * would never see 10 if 11 had been shown first. So:
 * - `row_id` is taken at insert (insert order, internal);
 * - `id` is what readers see: NULL until the publisher (api/events/publish.ts) numbers the
 *   committed, unnumbered rows in one statement, in row_id order, above every id it gave before.
 *   Publishers take the one `event_counter` row's lock first, so two never number at once and
 *   each sees the other's work. An id, once given, is never followed by a smaller one: resuming
 *   after any id misses nothing.
 * Per entity the order is the order of the writes, since writes to one entity take its row lock
 * before they insert their event.
 *
 * No NOTIFY in the writing transaction (db/instance-signal.ts says why, with figures): readers
 * are woken after the commit (api/events/hub.ts).
 *
 * No hard-delete trigger: the cleanup job removes events past the retention window from here
 * only, and the warehouse keeps its copy as history. It removes a prefix of ids, never a hole,
 * and records the highest in `event_counter.pruned_through` before it deletes.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE events (
      row_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      id bigint UNIQUE,
      type text NOT NULL,
      entity_type text NOT NULL,
      entity_id text NOT NULL,
      -- The customer the entity belongs to (scoping: managers and staff see their team's).
      customer_id bigint,
      schema_version smallint NOT NULL DEFAULT 1,
      payload jsonb NOT NULL DEFAULT '{}'::jsonb,
      occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      actor_key_id bigint,
      actor_user_id bigint,
      published_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
    );
    CREATE INDEX events_unpublished ON events (row_id) WHERE id IS NULL;
    CREATE INDEX events_entity ON events (entity_type, entity_id, id);
    CREATE INDEX events_type ON events (type, id);
    CREATE INDEX events_updated_at_idx ON events (updated_at);
    CREATE TRIGGER events_updated_at BEFORE UPDATE ON events
      FOR EACH ROW EXECUTE FUNCTION set_updated_at();

    CREATE TABLE event_counter (
      one boolean PRIMARY KEY DEFAULT true CHECK (one),
      last bigint NOT NULL DEFAULT 0,
      -- Every id up to this one was removed by retention (jobs/cleanup.job.ts): a reader
      -- resuming after a smaller id would miss events, so the feed answers 410 instead.
      pruned_through bigint NOT NULL DEFAULT 0
    );
    INSERT INTO event_counter DEFAULT VALUES;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE IF EXISTS events;
    DROP TABLE IF EXISTS event_counter;
  `.execute(db);
}

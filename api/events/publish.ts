/**
 * The publisher: numbers committed events in the order readers will see them (see
 * db/migrations/0800_events.ts for why row_id order is not enough). Any process may call it —
 * the feed before it reads, the server's event hub on every wake-up, the webhook dispatcher —
 * since the counter row's lock makes publishers take turns.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';

/** Most events numbered by one statement; the caller loops while a batch comes back full. */
export const PUBLISH_BATCH = 5_000;

/**
 * Number the committed, unnumbered events in row_id order, above every id given before.
 * Returns how many it numbered (0 when none waited: one index probe, no transaction).
 */
export async function publishEvents(db: Kysely<DB>, batch = PUBLISH_BATCH): Promise<number> {
  const waiting = await db
    .selectFrom('events')
    .select('row_id')
    .where('id', 'is', null)
    .limit(1)
    .executeTakeFirst();
  if (!waiting) return 0;
  return db.transaction().execute(async (trx) => {
    // The lock first, in its own statement: the numbering below then runs on a snapshot taken
    // after any earlier publisher committed, so it never numbers a row twice.
    await sql`SELECT last FROM event_counter FOR UPDATE`.execute(trx);
    const done = await sql<{ n: string }>`
      WITH batch AS (
        SELECT row_id, row_number() OVER (ORDER BY row_id) AS rn
        FROM events WHERE id IS NULL ORDER BY row_id LIMIT ${batch}
      ), counted AS (
        UPDATE event_counter SET last = last + (SELECT count(*) FROM batch)
        RETURNING last - (SELECT count(*) FROM batch) AS base
      ), numbered AS (
        UPDATE events AS e SET id = counted.base + batch.rn, published_at = clock_timestamp()
        FROM batch, counted WHERE e.row_id = batch.row_id
        RETURNING 1
      )
      SELECT count(*)::text AS n FROM numbered`.execute(trx);
    return Number(done.rows[0]?.n ?? 0);
  });
}

/** Publish until nothing waits; returns the total numbered. */
export async function publishAll(db: Kysely<DB>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await publishEvents(db);
    total += n;
    if (n < PUBLISH_BATCH) return total;
  }
}

/**
 * Retention: the cleanup job removes events published more than SALESOPS_EVENT_RETENTION_DAYS
 * ago. It removes a prefix of ids, never a hole: a reader resuming after id N either gets every
 * event after N or a 410 (service.ts), never a silent gap.
 *
 * Per batch, `event_counter.pruned_through` is raised first (its own short statement, so the
 * publisher that locks that row waits a moment, not for the delete) and the rows deleted after.
 * A reader that read rows meanwhile sees the new mark when it checks after its read. A crash
 * between the two leaves rows at or below the mark, which the next run deletes first.
 *
 * Age is counted from `published_at`, which only grows with the id (publishers take turns):
 * walking up from the mark in id order, the prefix ends at the first event young enough to keep.
 * An import's event with an old `occurredAt` is kept as long as any other.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { readMarks } from './repository.ts';

/** Events removed per batch: one index range, a short transaction each. */
export const PRUNE_BATCH = 10_000;

/** Remove events published more than `days` days ago; returns how many, and the new mark. */
export async function pruneEvents(
  db: Kysely<DB>,
  days: number,
  batch = PRUNE_BATCH,
): Promise<{ removed: number; prunedThrough: number }> {
  let { prunedThrough } = await readMarks(db);
  let removed = await deleteThrough(db, 0, prunedThrough); // left by a crash mid-batch
  for (;;) {
    const r = await sql<{ through: string | null; young: string; n: string }>`
      SELECT coalesce(min(id) FILTER (WHERE published_at >= ${cutoff(days)}) - 1, max(id))::text
               AS through,
             count(*) FILTER (WHERE published_at >= ${cutoff(days)})::text AS young,
             count(*)::text AS n
      FROM (SELECT id, published_at FROM events WHERE id > ${prunedThrough}
            ORDER BY id LIMIT ${batch}) AS b`.execute(db);
    const row = r.rows[0]!;
    const through = row.through === null ? prunedThrough : Number(row.through);
    if (through > prunedThrough) {
      await sql`UPDATE event_counter SET pruned_through = greatest(pruned_through, ${through})`.execute(
        db,
      );
      removed += await deleteThrough(db, prunedThrough, through);
      prunedThrough = through;
    }
    // A batch that met an event young enough to keep, or the end of the table, was the last.
    if (Number(row.young) > 0 || Number(row.n) < batch) break;
  }
  return { removed, prunedThrough };
}

/** `clock_timestamp()` less `days` days: SQL's clock, as the publisher stamps with it. */
function cutoff(days: number) {
  return sql`clock_timestamp() - make_interval(days => ${days})`;
}

async function deleteThrough(db: Kysely<DB>, above: number, through: number): Promise<number> {
  if (through <= above) return 0;
  const r = await db
    .deleteFrom('events')
    .where('id', '>', above)
    .where('id', '<=', through)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/**
 * `activity.overdue`: an open activity whose due time has passed. Nothing is written when that
 * happens — time passes — so the `follow-ups` job (jobs/follow-ups.job.ts) looks each run for
 * the activities that came due since its previous run and records one event each.
 *
 * Once per due time: an activity already announced overdue for its current due time is left out
 * (runs that overlap, or a run repeated after a crash, add nothing); moved to a new due time that
 * passes too, it is announced again.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { recordEvents } from '../events/outbox.ts';
import { recordEvent } from '../events/record-event.ts';
import { toActivityDto } from './schemas.ts';

/**
 * Record activity.overdue for the open activities due in (since, now]; returns how many. The
 * payload is the activity as the API shows it.
 */
export async function recordOverdueActivities(
  db: Kysely<DB>,
  window: { since: Date; now: Date },
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('activities as a')
      .selectAll('a')
      .where('a.deleted_at', 'is', null)
      .where('a.done_at', 'is', null)
      .where('a.due_at', '>', window.since)
      .where('a.due_at', '<=', window.now)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('events as e')
              .select('e.row_id')
              .where('e.entity_type', '=', 'activity')
              .whereRef('e.entity_id', '=', sql<string>`a.id::text`)
              .where('e.type', '=', 'activity.overdue')
              .whereRef(sql<Date>`(e.payload->>'dueAt')::timestamptz`, '=', 'a.due_at'),
          ),
        ),
      )
      .orderBy('a.due_at')
      .orderBy('a.id')
      .execute();
    await recordEvents(
      trx,
      rows.map((r) => {
        const dto = toActivityDto(r);
        return recordEvent('activity', 'overdue', dto, null, dto.customerId);
      }),
    );
    return rows.length;
  });
}

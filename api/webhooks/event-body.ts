/**
 * The body a webhook receives: the event exactly as the feed shows it (api/events/schemas.ts
 * `toEventDto`, read by the feed's own query). Webhooks are admin configuration, so a webhook
 * reads every event its patterns match, as an admin reads the feed. Built from the stored row on
 * every attempt, so a retry or a redelivery sends the same bytes (unless the actor was renamed
 * in between).
 */
import { sql, type Kysely, type SqlBool } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { readEvents } from '../events/repository.ts';
import { toEventDto, type EventDto } from '../events/schemas.ts';

/** Published event `id` as the feed shows it, or undefined once retention removed it. */
export async function readEventForBody(db: Kysely<DB>, id: number): Promise<EventDto | undefined> {
  const [row] = await readEvents(db, {
    after: id - 1,
    upTo: id,
    limit: 1,
    filters: {},
    visible: sql<SqlBool>`true`,
  });
  return row && toEventDto(row);
}

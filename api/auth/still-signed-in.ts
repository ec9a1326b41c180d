/**
 * Whether the caller of a long-lived request (an event stream) may still read: every other
 * request is authenticated afresh (middleware.ts), but a stream outlives the check it started
 * with, and a revoked key or a signed-out session must not keep receiving data. Asked by the
 * stream on each heartbeat; one primary-key lookup.
 *
 * The session's idle limit is not applied: an open stream is use of the session, though it does
 * not move `last_seen_at` (its maximum age and sign-out still end it).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Principal } from './principal.ts';
import { activeKeys } from './repository.ts';

/** True while the key is not revoked (nor its user disabled), or the session not ended. */
export async function stillSignedIn(
  db: Kysely<DB>,
  principal: Principal,
  now: Date,
): Promise<boolean> {
  if (principal.keyId != null) {
    const key = await activeKeys(db)
      .select('k.id')
      .where('k.id', '=', principal.keyId)
      .executeTakeFirst();
    return key !== undefined;
  }
  if (principal.sessionId != null) {
    const session = await db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select('s.id')
      .where('s.id', '=', principal.sessionId)
      .where('s.ended_at', 'is', null)
      .where('s.expires_at', '>', now)
      .where('u.active', '=', true)
      .executeTakeFirst();
    return session !== undefined;
  }
  return false;
}

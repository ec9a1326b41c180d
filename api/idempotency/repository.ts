/** SQL for stored Idempotency-Key answers. */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';

/** Identifies one stored key: keys are scoped per API key. */
export interface KeyRef {
  apiKeyId: number;
  key: string;
}

/** Claim the key for this request; false when another request holds or held it. */
export async function claimKey(
  db: Kysely<DB>,
  ref: KeyRef,
  request: { method: string; path: string; hash: string },
): Promise<boolean> {
  const r = await db
    .insertInto('idempotency_keys')
    .values({
      api_key_id: ref.apiKeyId,
      key: ref.key,
      method: request.method,
      path: request.path,
      request_hash: request.hash,
    })
    .onConflict((oc) => oc.columns(['api_key_id', 'key']).doNothing())
    .returning('key')
    .executeTakeFirst();
  return r !== undefined;
}

export function findKey(db: Kysely<DB>, ref: KeyRef) {
  return db
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'status_code', 'content_type', 'response_body'])
    .where('api_key_id', '=', ref.apiKeyId)
    .where('key', '=', ref.key)
    .executeTakeFirst();
}

/** Take over an unfinished claim whose request died (no answer for `staleSeconds`). */
export async function reclaimStale(
  db: Kysely<DB>,
  ref: KeyRef,
  hash: string,
  staleSeconds: number,
): Promise<boolean> {
  const r = await db
    .updateTable('idempotency_keys')
    .set({ created_at: sql`clock_timestamp()` })
    .where('api_key_id', '=', ref.apiKeyId)
    .where('key', '=', ref.key)
    .where('request_hash', '=', hash)
    .where('status_code', 'is', null)
    .where('created_at', '<', sql<Date>`clock_timestamp() - make_interval(secs => ${staleSeconds})`)
    .returning('key')
    .executeTakeFirst();
  return r !== undefined;
}

export function completeKey(
  db: Kysely<DB>,
  ref: KeyRef,
  answer: { status: number; contentType: string | null; body: string },
) {
  return db
    .updateTable('idempotency_keys')
    .set({
      status_code: answer.status,
      content_type: answer.contentType,
      response_body: answer.body,
      completed_at: new Date(),
    })
    .where('api_key_id', '=', ref.apiKeyId)
    .where('key', '=', ref.key)
    .execute();
}

export function releaseKey(db: Kysely<DB>, ref: KeyRef) {
  return db
    .deleteFrom('idempotency_keys')
    .where('api_key_id', '=', ref.apiKeyId)
    .where('key', '=', ref.key)
    .where('status_code', 'is', null)
    .execute();
}

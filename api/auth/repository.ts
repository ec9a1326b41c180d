/** SQL for api_keys. */
import type { Kysely, Transaction } from 'kysely';
import type { IdPage } from '../pagination.ts';
import type { DB, Role } from '../../db/schema.ts';

type Db = Kysely<DB> | Transaction<DB>;

/**
 * The keys that still let a caller in (alias `k`): not revoked, and not of a disabled user. The
 * one statement of that rule, for the sign-in check (middleware.ts) and for a stream that
 * outlives it (still-signed-in.ts).
 */
export function activeKeys(db: Db) {
  return db
    .selectFrom('api_keys as k')
    .leftJoin('users as u', 'u.id', 'k.user_id')
    .where('k.revoked_at', 'is', null)
    .where((eb) => eb.or([eb('k.user_id', 'is', null), eb('u.active', '=', true)]));
}

/** The active (not revoked) key with this hash, unless it belongs to a disabled user. */
export function findActiveKeyByHash(db: Db, hash: string) {
  return activeKeys(db)
    .select(['k.id', 'k.name', 'k.role', 'k.rep_id', 'k.user_id'])
    .where('k.key_hash', '=', hash)
    .executeTakeFirst();
}

export function insertKey(
  db: Db,
  row: {
    name: string;
    role: Role;
    key_hash: string;
    key_prefix: string;
    rep_id: number | null;
    user_id?: number | null;
  },
) {
  return db
    .insertInto('api_keys')
    .values(row)
    .returning(['id', 'name', 'role', 'key_prefix', 'rep_id', 'user_id', 'created_at'])
    .executeTakeFirstOrThrow();
}

/** A key as the key list and a revoke show it (never its hash). */
const KEY_LISTED = [
  'id',
  'name',
  'role',
  'key_prefix',
  'rep_id',
  'user_id',
  'created_at',
  'last_used_at',
  'revoked_at',
] as const;

export function listKeys(db: Db, page?: IdPage) {
  return db
    .selectFrom('api_keys')
    .select(KEY_LISTED)
    .$if(page?.afterId !== undefined, (q) => q.where('id', '>', page!.afterId!))
    .orderBy('id')
    .$if(page !== undefined, (q) => q.limit(page!.limit))
    .execute();
}

/** The key with this id (active or not), or undefined. */
export function findKey(db: Db, id: number) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'role', 'revoked_at'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/**
 * Lock every active admin key (FOR UPDATE, in id order so two revokes cannot deadlock) and
 * return their ids. A concurrent revoke waits here; when it wakes, PostgreSQL re-reads the rows
 * and drops the ones revoked meanwhile, so it counts what is really left.
 */
export async function lockActiveAdminKeys(db: Db): Promise<number[]> {
  const rows = await db
    .selectFrom('api_keys')
    .select('id')
    .where('role', '=', 'admin')
    .where('revoked_at', 'is', null)
    .orderBy('id')
    .forUpdate()
    .execute();
  return rows.map((r) => r.id);
}

export function revokeKey(db: Db, id: number) {
  return db
    .updateTable('api_keys')
    .set({ revoked_at: new Date() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returning(KEY_LISTED)
    .executeTakeFirst();
}

/**
 * Active manager keys with no rep: created before such keys were refused, they see no team's
 * customers. `doctor` names them.
 */
export async function activeManagerKeysWithoutRep(db: Db): Promise<number[]> {
  const rows = await db
    .selectFrom('api_keys')
    .select('id')
    .where('role', '=', 'manager')
    .where('rep_id', 'is', null)
    .where('revoked_at', 'is', null)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

export async function countKeys(db: Db): Promise<number> {
  const r = await db
    .selectFrom('api_keys')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

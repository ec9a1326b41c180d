/** SQL for users, their one-time links and their sessions. */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB, Role } from '../../db/schema.ts';
import type { IdPage } from '../pagination.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** What a user answers with (never the password hash). */
export const USER_COLUMNS = [
  'id',
  'email',
  'name',
  'role',
  'rep_id',
  'active',
  'created_at',
  'last_sign_in_at',
  'locked_until',
] as const;

export function findUser(db: Db, id: number) {
  return db
    .selectFrom('users')
    .select([...USER_COLUMNS, (eb) => eb('password_hash', 'is not', null).as('has_password')])
    .where('id', '=', id)
    .executeTakeFirst();
}

export type UserRow = NonNullable<Awaited<ReturnType<typeof findUser>>>;

/**
 * The user with this email (any case), with what signing in needs. Both sides are lowered by the
 * database, so the unique index and the lookup agree whatever its locale does to non-ASCII.
 */
export function findUserForSignIn(db: Db, email: string) {
  return db
    .selectFrom('users')
    .select(['id', 'email', 'name', 'role', 'rep_id', 'active', 'password_hash', 'locked_until'])
    .where(sql<string>`lower(email)`, '=', sql<string>`lower(${email})`)
    .executeTakeFirst();
}

export function emailTaken(db: Db, email: string, exceptId?: number) {
  return db
    .selectFrom('users')
    .select('id')
    .where(sql<string>`lower(email)`, '=', sql<string>`lower(${email})`)
    .$if(exceptId !== undefined, (q) => q.where('id', '<>', exceptId!))
    .executeTakeFirst();
}

export function insertUser(
  db: Db,
  row: { email: string | null; name: string; role: Role; rep_id: number | null },
) {
  return db.insertInto('users').values(row).returning('id').executeTakeFirstOrThrow();
}

export function listUsers(db: Db, page: IdPage) {
  return db
    .selectFrom('users')
    .select([...USER_COLUMNS, (eb) => eb('password_hash', 'is not', null).as('has_password')])
    .$if(page.afterId !== undefined, (q) => q.where('id', '>', page.afterId!))
    .orderBy('id')
    .limit(page.limit)
    .execute();
}

/** Lock every active admin user (id order, as api/auth/repository.ts locks keys) → their ids. */
export async function lockActiveAdminUsers(db: Db): Promise<number[]> {
  const rows = await db
    .selectFrom('users')
    .select('id')
    .where('role', '=', 'admin')
    .where('active', '=', true)
    .orderBy('id')
    .forUpdate()
    .execute();
  return rows.map((r) => r.id);
}

/** The ids of the active keys that belong to `userId`, with their roles. */
export function activeKeysOf(db: Db, userId: number) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'role'])
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute();
}

export function countUsers(db: Db) {
  return db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
    .then((r) => Number(r.n));
}

export function insertToken(
  db: Db,
  row: {
    user_id: number;
    purpose: 'set_password' | 'sign_in';
    token_hash: string;
    created_at: Date;
    expires_at: Date;
  },
) {
  return db.insertInto('user_tokens').values(row).execute();
}

/**
 * Use the one-time token with this hash and purpose, if it is unused and unexpired at `now`:
 * one UPDATE, so two tabs sending the same link cannot both use it. → its user id.
 */
export async function useToken(
  db: Db,
  hash: string,
  purpose: 'set_password' | 'sign_in',
  now: Date,
): Promise<number | undefined> {
  const r = await db
    .updateTable('user_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', hash)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('user_id')
    .executeTakeFirst();
  return r?.user_id;
}

/** Whether a token is usable at `now` (the set-password page checks before showing its form). */
export async function tokenUsable(
  db: Db,
  hash: string,
  purpose: 'set_password' | 'sign_in',
  now: Date,
) {
  return db
    .selectFrom('user_tokens')
    .innerJoin('users', 'users.id', 'user_tokens.user_id')
    .select(['users.id', 'users.email', 'users.name'])
    .where('token_hash', '=', hash)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .where('users.active', '=', true)
    .executeTakeFirst();
}

/** Retire the unused links of `purpose` for a user (a new one replaces them). */
export function retireTokens(
  db: Db,
  userId: number,
  purpose: 'set_password' | 'sign_in',
  now: Date,
) {
  return db
    .updateTable('user_tokens')
    .set({ used_at: now })
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .execute();
}

export function insertSession(
  db: Db,
  row: { user_id: number; token_hash: string; created_at: Date; expires_at: Date },
) {
  return db
    .insertInto('sessions')
    .values({ ...row, last_seen_at: row.created_at })
    .returning('id')
    .executeTakeFirstOrThrow();
}

/** End every open session of a user (disabled, or a new password was set). */
export function endSessionsOf(db: Db, userId: number, now: Date) {
  return db
    .updateTable('sessions')
    .set({ ended_at: now })
    .where('user_id', '=', userId)
    .where('ended_at', 'is', null)
    .execute();
}

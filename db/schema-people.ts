/**
 * Table types of the people who sign in (db/migrations/0500_users_sessions.ts): users, their
 * one-time links and browser sessions. Beside db/schema.ts, which lists them in `DB`.
 */
import type { ColumnType } from 'kysely';
import type { Id, NullableStamp, Role, Stamp, Timestamps } from './schema.ts';

/** People who sign in (db/migrations/0500_users_sessions.ts). */
export interface UsersTable extends Timestamps {
  id: Id;
  /** Unique without regard to case; null only for the first admin until it sets one. */
  email: string | null;
  name: ColumnType<string, string | undefined, string>;
  role: Role;
  rep_id: number | null;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  /** `scrypt$…` (api/users/password.ts); null until the user sets a password. */
  password_hash: string | null;
  failed_attempts: ColumnType<number, number | undefined, number>;
  first_failed_at: NullableStamp;
  locked_until: NullableStamp;
  last_sign_in_at: NullableStamp;
}

/** One-time links: set a password (24 h) or the first start's sign-in (15 min). */
export interface UserTokensTable {
  id: Id;
  user_id: number;
  purpose: 'set_password' | 'sign_in';
  token_hash: string;
  created_at: Stamp;
  expires_at: Stamp;
  used_at: NullableStamp;
  updated_at: Stamp;
}

/** Browser sessions (api/sessions). */
export interface SessionsTable {
  id: Id;
  user_id: number;
  token_hash: string;
  created_at: Stamp;
  last_seen_at: Stamp;
  expires_at: Stamp;
  ended_at: NullableStamp;
  updated_at: Stamp;
}

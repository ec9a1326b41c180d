/**
 * Signing in and out, and resolving a session cookie to its user. Time comes from the caller
 * (the context's clock), never SQL's now(), so expiry and lockout can be driven by a test.
 * Checking the password and the lockout are in attempts.ts, shared with the SQL wire door.
 *
 * Audited, but no outbox event: who may act is not something the business did (docs/events.md).
 */
import type { Kysely, Transaction } from 'kysely';
import type { Config } from '../../config.ts';
import type { DB, Role } from '../../db/schema.ts';
import { recordAudit } from '../audit/audit.ts';
import { AppError } from '../errors.ts';
import type { Principal } from '../auth/principal.ts';
import * as users from '../users/repository.ts';
import {
  checkSignIn,
  markSignedIn,
  MAX_FAILURES,
  recordFailure,
  signInRefused,
  takeAttempt,
} from './attempts.ts';
import { decoyHash, verifyPassword } from '../users/password.ts';
import { hashToken, newToken } from './tokens.ts';

type Db = Kysely<DB>;
type SessionConfig = Pick<Config, 'sessionIdleMinutes' | 'sessionMaxDays' | 'passwordCost'>;

export { FAILURE_WINDOW_MS, LOCK_MS, MAX_FAILURES, SIGN_IN_REFUSED } from './attempts.ts';
/** last_seen_at is written at most this often per session: a page load costs no write. */
const SEEN_EVERY_MS = 60_000;

/** A started session: the cookie value (shown to the browser only) and who signed in. */
export interface StartedSession {
  token: string;
  sessionId: number;
  expiresAt: Date;
  user: { id: number; email: string | null; name: string; role: Role; repId: number | null };
}

/**
 * Sign user `userId` in: a new session row, the user's last sign-in (and a clean failure count),
 * and the audit row saying how — in the caller's transaction.
 */
async function openSession(
  trx: Transaction<DB>,
  config: SessionConfig,
  now: Date,
  userId: number,
  method: 'password' | 'link' | 'new_password',
  /** For a password sign-in: the hash just verified, which must still be the user's. */
  verifiedHash?: string,
): Promise<StartedSession | undefined> {
  const u = await markSignedIn(trx, now, userId, {
    verifiedHash,
    unlocked: verifiedHash !== undefined,
  });
  if (!u) return undefined;
  const user = { id: u.id, email: u.email, name: u.name, role: u.role, repId: u.rep_id };
  const { token, hash } = newToken();
  const expiresAt = new Date(now.getTime() + config.sessionMaxDays * 86_400_000);
  const { id } = await users.insertSession(trx, {
    user_id: user.id,
    token_hash: hash,
    created_at: now,
    expires_at: expiresAt,
  });
  await recordAudit(trx, {
    principal: principalOf(user, id),
    entity: 'user',
    entityId: user.id,
    action: 'sign_in',
    after: { sessionId: id, method },
  });
  return { token, sessionId: id, expiresAt, user };
}

function principalOf(user: StartedSession['user'], sessionId: number): Principal {
  return {
    keyId: null,
    userId: user.id,
    sessionId,
    name: user.name || user.email || `user ${user.id}`,
    role: user.role,
    repId: user.repId,
  };
}

/** Email and password → a new session, or 401 with SIGN_IN_REFUSED (attempts.ts). */
export async function signIn(
  db: Db,
  config: SessionConfig,
  now: Date,
  email: string,
  password: string,
): Promise<StartedSession> {
  const user = await checkSignIn(db, config, now, email, { password });
  const started = await db
    .transaction()
    .execute((trx) => openSession(trx, config, now, user.userId, 'password', user.verifiedHash));
  if (!started) throw signInRefused(); // disabled, locked or a new password meanwhile
  return started;
}

/**
 * The signed-in user's current password, checked before it is changed, counted and locked like
 * a sign-in.
 */
export async function checkOwnPassword(
  db: Db,
  config: SessionConfig,
  now: Date,
  userId: number,
  password: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('users')
    .select('password_hash')
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  const attempt = await takeAttempt(db, now, userId);
  const locked =
    (attempt.lockedUntil != null && attempt.lockedUntil > now) || attempt.n > MAX_FAILURES;
  const ok =
    (await verifyPassword(
      password,
      locked ? await decoyHash(config.passwordCost) : row.password_hash!,
    )) && !locked;
  if (!ok)
    await recordFailure(
      db,
      now,
      userId,
      attempt.n,
      locked ? 'locked' : 'wrong_current_password',
      !locked && attempt.n >= MAX_FAILURES,
    );
  return ok;
}

/** The first start's one-time sign-in link → a session for its user, or undefined. */
export async function signInWithLink(
  db: Db,
  config: SessionConfig,
  now: Date,
  token: string,
): Promise<StartedSession | undefined> {
  return db.transaction().execute(async (trx) => {
    const userId = await users.useToken(trx, hashToken(token), 'sign_in', now);
    if (userId === undefined) return undefined;
    return openSession(trx, config, now, userId, 'link'); // undefined for a disabled user
  });
}

/** Start a session for a user who just set a password with a link (they proved the link). */
export async function sessionAfterPassword(
  db: Db,
  config: SessionConfig,
  now: Date,
  userId: number,
): Promise<StartedSession> {
  const started = await db
    .transaction()
    .execute((trx) => openSession(trx, config, now, userId, 'new_password'));
  if (!started) throw new AppError('unauthorized', 'this account is disabled');
  return started;
}

/**
 * The principal of a session cookie, or undefined when the session is unknown, ended, past its
 * absolute or idle limit, or its user is disabled. One indexed query per request and no cache:
 * a logout or disable in any process is refused on the next request everywhere.
 */
export async function resolveSession(
  db: Db,
  config: SessionConfig,
  now: Date,
  token: string,
): Promise<Principal | undefined> {
  const idleSince = new Date(now.getTime() - config.sessionIdleMinutes * 60_000);
  const s = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select([
      's.id',
      's.last_seen_at',
      'u.id as user_id',
      'u.email',
      'u.name',
      'u.role',
      'u.rep_id',
    ])
    .where('s.token_hash', '=', hashToken(token))
    .where('s.ended_at', 'is', null)
    .where('s.expires_at', '>', now)
    .where('s.last_seen_at', '>', idleSince)
    .where('u.active', '=', true)
    .executeTakeFirst();
  if (!s) return undefined;
  if (now.getTime() - s.last_seen_at.getTime() >= SEEN_EVERY_MS) {
    await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', s.id).execute();
  }
  return principalOf(
    { id: s.user_id, email: s.email, name: s.name, role: s.role, repId: s.rep_id },
    s.id,
  );
}

/** End a session (logout). */
export async function endSession(db: Db, now: Date, principal: Principal): Promise<void> {
  if (principal.sessionId == null) return;
  await db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable('sessions')
      .set({ ended_at: now })
      .where('id', '=', principal.sessionId!)
      .where('ended_at', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return;
    await recordAudit(trx, {
      principal,
      entity: 'user',
      entityId: principal.userId!,
      action: 'sign_out',
      after: { sessionId: principal.sessionId },
    });
  });
}

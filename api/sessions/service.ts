/**
 * Signing in and out, and resolving a session cookie to its user. Time comes from the caller
 * (the context's clock), never SQL's now(), so expiry and lockout can be driven by a test.
 *
 * Failed sign-ins answer the same whatever was wrong (unknown email, wrong password, disabled or
 * locked account), and an unknown email still costs one scrypt verification, so neither the
 * words nor the time tell whether an account exists.
 *
 * Audited, but no outbox event: who may act is not something the business did (docs/events.md).
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Config } from '../../config.ts';
import type { DB, Role } from '../../db/schema.ts';
import { recordAudit } from '../audit/audit.ts';
import { AppError } from '../errors.ts';
import type { Principal } from '../auth/principal.ts';
import { decoyHash, verifyPassword } from '../users/password.ts';
import * as users from '../users/repository.ts';
import { hashToken, newToken } from './tokens.ts';

type Db = Kysely<DB>;
type SessionConfig = Pick<Config, 'sessionIdleMinutes' | 'sessionMaxDays' | 'passwordCost'>;

/** Failures within WINDOW that lock an account, and for how long. */
export const MAX_FAILURES = 10;
export const FAILURE_WINDOW_MS = 15 * 60_000;
export const LOCK_MS = 15 * 60_000;
/** last_seen_at is written at most this often per session: a page load costs no write. */
const SEEN_EVERY_MS = 60_000;

export const SIGN_IN_REFUSED =
  `Email or password is wrong. After ${MAX_FAILURES} failed attempts an account is locked for ` +
  `${LOCK_MS / 60_000} minutes.`;

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
  // Checked again in the UPDATE itself: a disable, a lock or a new password that landed while
  // the password was being hashed must win over this sign-in.
  const u = await trx
    .updateTable('users')
    .set({ failed_attempts: 0, first_failed_at: null, locked_until: null, last_sign_in_at: now })
    .where('id', '=', userId)
    .where('active', '=', true)
    .$if(verifiedHash !== undefined, (q) =>
      q
        .where('password_hash', '=', verifiedHash!)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)])),
    )
    .returning(['id', 'email', 'name', 'role', 'rep_id'])
    .executeTakeFirst();
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

/**
 * Email and password → a new session, or 401 with SIGN_IN_REFUSED.
 *
 * The attempt is counted *before* the password is checked, in one UPDATE: 500 guesses sent at
 * once each take a number, and only the first MAX_FAILURES of a window are checked against the
 * real hash, where counting failures afterwards let every one of them through while the first
 * were still hashing. A good password resets the count when the session opens.
 */
export async function signIn(
  db: Db,
  config: SessionConfig,
  now: Date,
  email: string,
  password: string,
): Promise<StartedSession> {
  const user = await users.findUserForSignIn(db, email);
  if (!user) {
    await verifyPassword(password, await decoyHash(config.passwordCost));
    // The typed email is not recorded: people type their password into it by mistake.
    await recordAudit(db, {
      principal: null,
      entity: 'user',
      entityId: 'unknown',
      action: 'sign_in_failed',
    });
    throw refused();
  }
  const attempt = await takeAttempt(db, now, user.id);
  const usable = user.active && user.password_hash;
  const locked =
    (attempt.lockedUntil != null && attempt.lockedUntil > now) || attempt.n > MAX_FAILURES;
  const checked = usable && !locked ? user.password_hash! : await decoyHash(config.passwordCost);
  const ok = (await verifyPassword(password, checked)) && usable && !locked;
  if (!ok) {
    const reason = !usable ? 'disabled_or_no_password' : locked ? 'locked' : 'wrong_password';
    await recordFailure(db, now, user.id, attempt.n, reason, !locked && attempt.n >= MAX_FAILURES);
    throw refused();
  }
  const started = await db
    .transaction()
    .execute((trx) => openSession(trx, config, now, user.id, 'password', user.password_hash!));
  if (!started) throw refused(); // disabled, locked or a new password meanwhile
  return started;
}

function refused(): AppError {
  return new AppError('unauthorized', SIGN_IN_REFUSED);
}

/** Count one sign-in attempt for a user (a new window after FAILURE_WINDOW_MS) → its number. */
async function takeAttempt(
  db: Db,
  now: Date,
  userId: number,
): Promise<{ n: number; lockedUntil: Date | null }> {
  const windowStart = new Date(now.getTime() - FAILURE_WINDOW_MS);
  const r = await db
    .updateTable('users')
    .set({
      failed_attempts: sql`CASE WHEN first_failed_at IS NULL OR first_failed_at <= ${windowStart}
        THEN 1 ELSE failed_attempts + 1 END`,
      first_failed_at: sql`CASE WHEN first_failed_at IS NULL OR first_failed_at <= ${windowStart}
        THEN ${now}::timestamptz ELSE first_failed_at END`,
    })
    .where('id', '=', userId)
    .returning(['failed_attempts', 'locked_until'])
    .executeTakeFirstOrThrow();
  return { n: r.failed_attempts, lockedUntil: r.locked_until };
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

/** Audit a failed attempt; the MAX_FAILURES-th of a window locks the account. */
async function recordFailure(
  db: Db,
  now: Date,
  userId: number,
  failures: number,
  reason: string,
  lock: boolean,
): Promise<void> {
  const lockUntil = new Date(now.getTime() + LOCK_MS);
  await db.transaction().execute(async (trx) => {
    await recordAudit(trx, {
      principal: null,
      entity: 'user',
      entityId: userId,
      action: 'sign_in_failed',
      after: { reason, failures },
    });
    if (!lock) return;
    await trx
      .updateTable('users')
      .set({ locked_until: lockUntil, failed_attempts: 0, first_failed_at: null })
      .where('id', '=', userId)
      .execute();
    await recordAudit(trx, {
      principal: null,
      entity: 'user',
      entityId: userId,
      action: 'lock',
      after: { lockedUntil: lockUntil.toISOString(), failures },
    });
  });
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

/**
 * Checking who signs in, with the lockout: every door that takes a person's secret (the sign-in
 * page, the current-password check, the SQL wire protocol in sqlwire/) counts its attempts here,
 * so ten wrong guesses lock the account whichever door they came through, and each failure is in
 * the audit log.
 *
 * Failed sign-ins answer the same whatever was wrong (unknown email, wrong password, disabled or
 * locked account), and an unknown email still costs one scrypt verification, so neither the
 * words nor the time tell whether an account exists.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Config } from '../../config.ts';
import type { DB } from '../../db/schema.ts';
import { recordAudit } from '../audit/audit.ts';
import { AppError } from '../errors.ts';
import { decoyHash, verifyPassword } from '../users/password.ts';
import * as users from '../users/repository.ts';

type Db = Kysely<DB>;

/** Failures within WINDOW that lock an account, and for how long. */
export const MAX_FAILURES = 10;
export const FAILURE_WINDOW_MS = 15 * 60_000;
export const LOCK_MS = 15 * 60_000;

export const SIGN_IN_REFUSED =
  `Email or password is wrong. After ${MAX_FAILURES} failed attempts an account is locked for ` +
  `${LOCK_MS / 60_000} minutes.`;

/**
 * The secret offered for an account: its password, or (the SQL wire door) an API key, given as
 * the user the key belongs to — null for a key that is unknown, revoked or a machine's.
 */
export type SignInSecret = { password: string } | { keyUserId: number | null };

/** A user whose secret was just checked. */
export interface CheckedSignIn {
  userId: number;
  /** The password hash verified (a password sign-in), which must still be the user's. */
  verifiedHash?: string;
}

export function signInRefused(): AppError {
  return new AppError('unauthorized', SIGN_IN_REFUSED);
}

/**
 * Email and secret → the user, or 401 with SIGN_IN_REFUSED (audited, counted).
 *
 * The attempt is counted *before* the secret is checked, in one UPDATE: 500 guesses sent at
 * once each take a number, and only the first MAX_FAILURES of a window are checked against the
 * real hash, where counting failures afterwards let every one of them through while the first
 * were still hashing. A good secret resets the count (markSignedIn).
 */
export async function checkSignIn(
  db: Db,
  config: Pick<Config, 'passwordCost'>,
  now: Date,
  email: string,
  secret: SignInSecret,
): Promise<CheckedSignIn> {
  const offered = 'password' in secret ? secret.password : '';
  const user = await users.findUserForSignIn(db, email);
  if (!user) {
    await verifyPassword(offered, await decoyHash(config.passwordCost));
    // The typed email is not recorded: people type their password into it by mistake.
    await recordAudit(db, {
      principal: null,
      entity: 'user',
      entityId: 'unknown',
      action: 'sign_in_failed',
    });
    throw signInRefused();
  }
  const attempt = await takeAttempt(db, now, user.id);
  const locked =
    (attempt.lockedUntil != null && attempt.lockedUntil > now) || attempt.n > MAX_FAILURES;
  let ok: boolean;
  let usable: boolean;
  if ('password' in secret) {
    usable = Boolean(user.active && user.password_hash);
    const checked = usable && !locked ? user.password_hash! : await decoyHash(config.passwordCost);
    ok = (await verifyPassword(offered, checked)) && usable && !locked;
  } else {
    // A key is checked by its hash, not scrypt: the decoy keeps the time the same as a password's.
    await verifyPassword(offered, await decoyHash(config.passwordCost));
    usable = user.active;
    ok = usable && !locked && secret.keyUserId === user.id;
  }
  if (!ok) {
    const reason = !usable
      ? 'disabled_or_no_password'
      : locked
        ? 'locked'
        : 'password' in secret
          ? 'wrong_password'
          : 'wrong_key';
    await recordFailure(db, now, user.id, attempt.n, reason, !locked && attempt.n >= MAX_FAILURES);
    throw signInRefused();
  }
  return { userId: user.id, verifiedHash: 'password' in secret ? user.password_hash! : undefined };
}

/**
 * Record a good sign-in on the user row: a clean failure count and the last sign-in time. The
 * row is checked again in the UPDATE itself: a disable, a lock (for a secret that was checked,
 * `unlocked`) or a new password that landed while the password was being hashed must win over
 * this sign-in. Undefined when it did.
 */
export function markSignedIn(
  trx: Transaction<DB> | Db,
  now: Date,
  userId: number,
  check: { verifiedHash?: string; unlocked: boolean },
) {
  const { verifiedHash, unlocked } = check;
  return trx
    .updateTable('users')
    .set({ failed_attempts: 0, first_failed_at: null, locked_until: null, last_sign_in_at: now })
    .where('id', '=', userId)
    .where('active', '=', true)
    .$if(verifiedHash !== undefined, (q) => q.where('password_hash', '=', verifiedHash!))
    .$if(unlocked, (q) =>
      q.where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)])),
    )
    .returning(['id', 'email', 'name', 'role', 'rep_id'])
    .executeTakeFirst();
}

/** Count one sign-in attempt for a user (a new window after FAILURE_WINDOW_MS) → its number. */
export async function takeAttempt(
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

/** Audit a failed attempt; the MAX_FAILURES-th of a window locks the account. */
export async function recordFailure(
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

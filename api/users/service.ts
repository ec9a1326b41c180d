/**
 * User accounts: create (with a one-time set-password link), list, disable/enable, reset a
 * password, set one with a link. Sign-in and sessions are in api/sessions/service.ts. The rules
 * match the API keys' (api/auth/service.ts): a manager belongs to a rep, the last active admin
 * stays. Every change is audited, never with a password, hash or token.
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB, Role } from '../../db/schema.ts';
import { recordAudit } from '../audit/audit.ts';
import { forgetAllKeys } from '../auth/key-cache.ts';
import type { Principal } from '../auth/principal.ts';
import { lockActiveAdminKeys } from '../auth/repository.ts';
import { AppError, fieldProblem, notFound } from '../errors.ts';
import { hashToken, newToken } from '../sessions/tokens.ts';
import { hashPassword, passwordProblem } from './password.ts';
import * as repo from './repository.ts';
import { recordEvent } from '../events/record-event.ts';

type Db = Kysely<DB>;

/** How long a set-password link works. */
export const SET_PASSWORD_HOURS = 24;
/** How long the first start's sign-in link works. */
export const SIGN_IN_LINK_MINUTES = 15;

/** A user as the API answers it. */
export function toUserDto(u: repo.UserRow) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    repId: u.rep_id,
    active: u.active,
    hasPassword: Boolean(u.has_password),
    createdAt: u.created_at.toISOString(),
    lastSignInAt: u.last_sign_in_at?.toISOString() ?? null,
    lockedUntil: u.locked_until?.toISOString() ?? null,
  };
}
export type UserDto = ReturnType<typeof toUserDto>;

/**
 * A user's outbox event (docs/events.md): the user as the API answers it but for `hasPassword`,
 * whose name the outbox's secret check refuses like any `…password` field — a flag, but the
 * check goes by name so that no real secret slips through under one.
 */
function userEvent(verb: string, user: UserDto, principal: Principal | null) {
  const { hasPassword: _, ...shown } = user;
  return recordEvent('user', verb, shown, principal);
}

/** A one-time link's token and when it stops working. */
export interface OneTimeLink {
  path: string;
  expiresAt: Date;
}

export interface NewUser {
  email: string;
  role: Role;
  name?: string;
  repId?: number | null;
  repCode?: string | null;
}

/** The rep id an input names (by id or code), checked to exist; null when none. */
async function repOf(trx: Transaction<DB>, input: NewUser): Promise<number | null> {
  const [field, value] =
    input.repCode != null
      ? (['repCode', input.repCode] as const)
      : input.repId != null
        ? (['repId', input.repId] as const)
        : [undefined, undefined];
  if (field === undefined) return null;
  const rep = await trx
    .selectFrom('sales_reps')
    .select('id')
    .$if(field === 'repCode', (q) => q.where('code', '=', String(value)))
    .$if(field === 'repId', (q) => q.where('id', '=', Number(value)))
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!rep) throw fieldProblem('unprocessable', field, `sales rep ${value} does not exist`, 'body');
  return rep.id;
}

/** Create a user and its set-password link (shown once). */
export async function createUser(
  db: Db,
  now: Date,
  input: NewUser,
  principal: Principal | null,
): Promise<{ user: UserDto; link: OneTimeLink }> {
  if (input.role === 'manager' && input.repId == null && input.repCode == null)
    throw fieldProblem(
      'unprocessable',
      'repId',
      "required for a manager: it sees its rep's team",
      'body',
      'a manager must belong to a sales rep (repId or repCode)',
    );
  return db.transaction().execute(async (trx) => {
    const repId = await repOf(trx, input);
    if (await repo.emailTaken(trx, input.email))
      throw fieldProblem('conflict', 'email', 'a user with this email already exists', 'body');
    const { id } = await repo.insertUser(trx, {
      email: input.email,
      name: input.name ?? '',
      role: input.role,
      rep_id: repId,
    });
    const link = await issueLink(trx, id, 'set_password', now);
    const user = toUserDto((await repo.findUser(trx, id))!);
    await recordAudit(trx, {
      principal,
      entity: 'user',
      entityId: id,
      action: 'create',
      after: { email: input.email, name: input.name ?? '', role: input.role, repId },
      // The user without its set-password link: a one-time secret never goes into the outbox.
      events: [userEvent('created', user, principal)],
    });
    return { user, link };
  });
}

/**
 * The first admin, made beside the first admin key on a new installation: no email or password
 * yet; its one-time sign-in link (15 min) lets the person at the console in to set both.
 */
export async function createFirstAdmin(db: Db, now: Date): Promise<OneTimeLink> {
  return db.transaction().execute(async (trx) => {
    const { id } = await repo.insertUser(trx, {
      email: null,
      name: 'First admin',
      role: 'admin',
      rep_id: null,
    });
    await recordAudit(trx, {
      principal: null,
      entity: 'user',
      entityId: id,
      action: 'create',
      after: { name: 'First admin', role: 'admin' },
      events: [userEvent('created', toUserDto((await repo.findUser(trx, id))!), null)],
    });
    return issueLink(trx, id, 'sign_in', now);
  });
}

/** A new link of `purpose` for a user; the unused earlier ones stop working. */
async function issueLink(
  trx: Transaction<DB>,
  userId: number,
  purpose: 'set_password' | 'sign_in',
  now: Date,
): Promise<OneTimeLink> {
  await repo.retireTokens(trx, userId, purpose, now);
  const { token, hash } = newToken();
  const ms =
    purpose === 'set_password' ? SET_PASSWORD_HOURS * 3_600_000 : SIGN_IN_LINK_MINUTES * 60_000;
  const expiresAt = new Date(now.getTime() + ms);
  await repo.insertToken(trx, {
    user_id: userId,
    purpose,
    token_hash: hash,
    created_at: now,
    expires_at: expiresAt,
  });
  const page = purpose === 'set_password' ? '/set-password' : '/login';
  return { path: `${page}?token=${token}`, expiresAt };
}

/**
 * A new set-password link for a user (lost link, forgotten password). The current password keeps
 * working until a new one is set; a disabled user gets none.
 */
export async function resetPassword(
  db: Db,
  now: Date,
  id: number,
  principal: Principal | null,
): Promise<OneTimeLink> {
  return db.transaction().execute(async (trx) => {
    const user = await repo.findUser(trx, id);
    if (!user) throw notFound('user', id);
    if (!user.active)
      throw new AppError('conflict', `user ${id} is disabled; enable it first`, { userId: id });
    const link = await issueLink(trx, id, 'set_password', now);
    // Audited without an outbox event: a password link is a credential, not a business change.
    await recordAudit(trx, {
      principal,
      entity: 'user',
      entityId: id,
      action: 'reset_password',
      after: { linkExpiresAt: link.expiresAt.toISOString() },
    });
    return link;
  });
}

/**
 * Disable a user: at once they cannot sign in, their sessions end and their keys are revoked.
 * Refused (409) for the last active admin user, and when it would revoke the last active admin
 * key (the rule `keys revoke` keeps).
 */
export async function disableUser(
  db: Db,
  now: Date,
  id: number,
  principal: Principal | null,
): Promise<UserDto> {
  try {
    return await db.transaction().execute(async (trx) => {
      const user = await repo.findUser(trx, id);
      if (!user) throw notFound('user', id);
      if (!user.active) return toUserDto(user);
      if (user.role === 'admin') {
        const admins = await repo.lockActiveAdminUsers(trx);
        if (admins.length === 1 && admins[0] === id)
          throw new AppError(
            'conflict',
            `user ${id} is the last active admin; disabling it would lock every admin out. ` +
              'Create another admin user first.',
            { userId: id },
          );
      }
      const keys = await repo.activeKeysOf(trx, id);
      if (keys.some((k) => k.role === 'admin')) {
        const adminKeys = await lockActiveAdminKeys(trx);
        const mine = new Set(keys.map((k) => k.id));
        if (adminKeys.every((k) => mine.has(k)))
          throw new AppError(
            'conflict',
            `user ${id} holds the last active admin keys; disabling it would revoke them. ` +
              'Create an admin key for someone else first.',
            { userId: id },
          );
      }
      await trx.updateTable('users').set({ active: false }).where('id', '=', id).execute();
      await trx
        .updateTable('api_keys')
        .set({ revoked_at: now })
        .where('user_id', '=', id)
        .where('revoked_at', 'is', null)
        .execute();
      await repo.endSessionsOf(trx, id, now);
      // Its unused links too: enabling the user later must not bring an old link back.
      await repo.retireTokens(trx, id, 'set_password', now);
      await repo.retireTokens(trx, id, 'sign_in', now);
      const disabled = toUserDto((await repo.findUser(trx, id))!);
      await recordAudit(trx, {
        principal,
        entity: 'user',
        entityId: id,
        action: 'disable',
        before: { active: true, keys: keys.length },
        after: { active: false, keys: 0 },
        events: [userEvent('disabled', disabled, principal)],
      });
      return disabled;
    });
  } finally {
    // Cached key lookups of this process go too (other processes do not cache: key-cache.ts).
    forgetAllKeys(db);
  }
}

/** Enable a disabled user again (their revoked keys stay revoked; sessions start anew). */
export async function enableUser(
  db: Db,
  id: number,
  principal: Principal | null,
): Promise<UserDto> {
  return db.transaction().execute(async (trx) => {
    const user = await repo.findUser(trx, id);
    if (!user) throw notFound('user', id);
    if (user.active) return toUserDto(user);
    await trx
      .updateTable('users')
      .set({ active: true, failed_attempts: 0, first_failed_at: null, locked_until: null })
      .where('id', '=', id)
      .execute();
    const enabled = toUserDto((await repo.findUser(trx, id))!);
    await recordAudit(trx, {
      principal,
      entity: 'user',
      entityId: id,
      action: 'enable',
      before: { active: false },
      after: { active: true },
      events: [userEvent('enabled', enabled, principal)],
    });
    return enabled;
  });
}

/**
 * A new password checked against the rules (422 naming `password`) and hashed — before any
 * transaction opens: scrypt takes ~0.3 s and 128 MiB, and the embedded database runs one
 * transaction at a time, so hashing inside one stalled every other request. `email` is the one
 * the account will have (the rules refuse a password containing it).
 */
export async function preparePassword(
  cost: number,
  password: string,
  email: string | null | undefined,
): Promise<string> {
  const problem = passwordProblem(password, email);
  if (problem) throw fieldProblem('unprocessable', 'password', problem, 'body');
  return hashPassword(password, cost);
}

/**
 * Store a prepared password hash (and the email, for the first admin who has none). Ends the
 * user's other sessions and clears a lockout.
 */
export async function setPassword(
  trx: Transaction<DB>,
  now: Date,
  userId: number,
  input: { hash: string; email?: string | null },
): Promise<void> {
  const user = await repo.findUser(trx, userId);
  if (!user || !user.active) throw new AppError('unauthorized', 'this account is disabled');
  let email = user.email;
  if (!email) {
    if (!input.email)
      throw fieldProblem('unprocessable', 'email', 'set an email to sign in with', 'body');
    if (await repo.emailTaken(trx, input.email, userId))
      throw fieldProblem('conflict', 'email', 'a user with this email already exists', 'body');
    email = input.email;
  }
  await trx
    .updateTable('users')
    .set({
      email,
      password_hash: input.hash,
      failed_attempts: 0,
      first_failed_at: null,
      locked_until: null,
    })
    .where('id', '=', userId)
    .execute();
  await repo.endSessionsOf(trx, userId, now);
  // No outbox event, as for reset-password (docs/events.md).
  await recordAudit(trx, {
    principal: null,
    entity: 'user',
    entityId: userId,
    action: 'set_password',
    before: user.email ? null : { email: null },
    after: user.email ? { passwordSet: true } : { email, passwordSet: true },
  });
}

/** Use a set-password link: → the user id, or a 422 naming `token` when it does not work. */
export async function useSetPasswordLink(
  trx: Transaction<DB>,
  now: Date,
  token: string,
): Promise<number> {
  const userId = await repo.useToken(trx, hashToken(token), 'set_password', now);
  if (userId === undefined) throw expiredLink();
  return userId;
}

export function expiredLink(): AppError {
  return fieldProblem(
    'unprocessable',
    'token',
    'this link was used already or has expired; ask an admin for a new one',
    'body',
  );
}

export { listUsers, countUsers, findUser } from './repository.ts';

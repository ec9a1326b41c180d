/**
 * POST /login, /logout, /set-password and /account/password: each takes JSON (scripts, tests;
 * answers JSON) or an HTML form (the pages; answers 303 to the next page, or the form again with
 * the problem). Mounted at the root beside the pages, not under /api/v1.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { nowOf } from '../../context.ts';
import { ALL_ROLES } from '../auth/roles.ts';
import { clearSessionCookie, setSessionCookie } from '../auth/cookies.ts';
import { AppError } from '../errors.ts';
import { accountPage, loginPage, setPasswordPage } from '../pages/views.ts';
import { seeOther, type RouteRegistry } from '../route.ts';
import { MAX_PASSWORD_LENGTH } from '../users/password.ts';
import { findUser, tokenUsable } from '../users/repository.ts';
import { emailInput } from '../users/schemas.ts';
import { expiredLink, preparePassword, setPassword, useSetPasswordLink } from '../users/service.ts';
import {
  checkOwnPassword,
  endSession,
  sessionAfterPassword,
  signIn,
  type StartedSession,
} from './service.ts';
import { csrfTokenFor, hashToken } from './tokens.ts';

const email = z.string().trim().max(320);
const password = z.string().max(MAX_PASSWORD_LENGTH);
// Signing in takes what people type; setting an email checks it is one.

const loginBody = z.object({
  email: email.describe('the email the account signs in with (any case)'),
  password,
  next: z.string().max(2000).optional().describe('forms: the page to go to after signing in'),
});
const setPasswordBody = z.object({
  token: z.string().max(200).describe('from the set-password link'),
  password,
  email: emailInput.optional().describe('only for an account that has no email yet'),
});
const accountPasswordBody = z.object({
  password,
  currentPassword: password.optional().describe('required once the account has a password'),
  email: emailInput.optional().describe('only for an account that has no email yet'),
});

const signedInDto = z.object({
  user: z.object({
    id: z.number(),
    email: z.string().nullable(),
    name: z.string(),
    role: z.string(),
    repId: z.number().nullable(),
  }),
  csrfToken: z.string().describe('send it as X-CSRF-Token with every unsafe request'),
  expiresAt: z.string(),
});

/** `next` when it is a path on this site (never another site: no open redirect), else `/`. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) && !/[\r\n]/.test(next) ? next : '/';
}

const isForm = (req: Request) => Boolean(req.is('application/x-www-form-urlencoded'));

/** The first field problem of an AppError, in words for a form. */
function formMessage(e: AppError): string {
  const f = e.extra.errors?.[0];
  if (!f) return e.message;
  const label: Record<string, string> = { password: 'Password', email: 'Email', token: 'Link' };
  return `${label[f.field] ?? f.field}: ${f.message}`;
}

export function sessionRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  const db = ctx.ops.db;
  const tag = 'sessions';
  const mount = '';

  const signedIn = (req: Request, res: Response, s: StartedSession) => {
    setSessionCookie(req, res, s.token);
    return {
      user: s.user,
      csrfToken: csrfTokenFor(s.token),
      expiresAt: s.expiresAt.toISOString(),
    };
  };

  registry.add(
    router,
    {
      method: 'post',
      path: '/login',
      mount,
      operationId: 'signIn',
      summary: 'Sign in with email and password; sets the session cookie',
      tag,
      roles: 'public',
      form: true,
      body: loginBody,
      response: signedInDto,
      errors: [401, 403],
      bodiless: { 303: 'a form: signed in, on to `next` (or /)' },
      bookkeeping: true,
    },
    async ({ body, req, res }) => {
      try {
        const s = await signIn(db, ctx.config, nowOf(ctx), body.email, body.password);
        const answer = signedIn(req, res, s);
        if (!isForm(req)) return answer;
        seeOther(res, safeNext(body.next));
      } catch (e) {
        if (!(e instanceof AppError) || !isForm(req)) throw e;
        res
          .status(e.status)
          .type('html')
          .send(loginPage({ error: e.message, next: body.next, email: body.email }));
      }
    },
  );

  registry.add(
    router,
    {
      method: 'post',
      path: '/logout',
      mount,
      operationId: 'signOut',
      summary: 'Sign out: the session ends at once, in every instance',
      tag,
      roles: ALL_ROLES,
      form: true,
      body: z.object({}),
      bodyOptional: true,
      bodiless: { 303: 'a form: signed out, on to the sign-in page' },
      bookkeeping: true,
    },
    async ({ principal, req, res }) => {
      await endSession(db, nowOf(ctx), principal);
      clearSessionCookie(req, res);
      if (isForm(req)) seeOther(res, '/login');
      return undefined;
    },
  );

  registry.add(
    router,
    {
      method: 'post',
      path: '/set-password',
      mount,
      operationId: 'setPasswordWithLink',
      summary: 'Set a password with a one-time link; signs in',
      tag,
      roles: 'public',
      form: true,
      body: setPasswordBody,
      response: signedInDto,
      errors: [403],
      bodiless: { 303: 'a form: password set and signed in, on to /' },
      bookkeeping: true,
    },
    async ({ body, req, res }) => {
      const now = nowOf(ctx);
      try {
        const target = await tokenUsable(db, hashToken(body.token), 'set_password', now);
        if (!target) throw expiredLink();
        const hash = await preparePassword(
          ctx.config.passwordCost,
          body.password,
          target.email ?? body.email,
        );
        const userId = await db.transaction().execute(async (trx) => {
          const id = await useSetPasswordLink(trx, now, body.token);
          await setPassword(trx, now, id, { hash, email: body.email });
          return id;
        });
        const answer = signedIn(req, res, await sessionAfterPassword(db, ctx.config, now, userId));
        if (!isForm(req)) return answer;
        seeOther(res, '/');
      } catch (e) {
        if (!(e instanceof AppError) || !isForm(req)) throw e;
        const invalid = e.extra.errors?.[0]?.field === 'token';
        res
          .status(e.status)
          .type('html')
          .send(
            setPasswordPage({
              token: body.token,
              needsEmail: body.email !== undefined,
              error: formMessage(e),
              invalid,
            }),
          );
      }
    },
  );

  registry.add(
    router,
    {
      method: 'post',
      path: '/account/password',
      mount,
      operationId: 'setOwnPassword',
      summary: 'Set or change the signed-in user’s password (and email, when it has none)',
      tag,
      roles: ALL_ROLES,
      form: true,
      body: accountPasswordBody,
      bodiless: { 303: 'a form: saved, on to /' },
      bookkeeping: true,
    },
    async ({ body, principal, req, res }) => {
      // A person at a browser only: a key that belongs to a user must not set that user's
      // password and walk away with a session of theirs.
      if (principal.sessionId == null || principal.userId == null)
        throw new AppError('forbidden', 'only a signed-in browser session sets its password');
      const now = nowOf(ctx);
      const user = (await findUser(db, principal.userId))!;
      try {
        if (user.has_password) {
          // Counted like a sign-in: a stolen session cannot guess the password at leisure.
          const ok =
            body.currentPassword !== undefined &&
            (await checkOwnPassword(db, ctx.config, now, user.id, body.currentPassword));
          if (!ok)
            throw new AppError('unprocessable', 'currentPassword: is not your current password', {
              errors: [
                { field: 'currentPassword', in: 'body', message: 'is not your current password' },
              ],
            });
        }
        const hash = await preparePassword(
          ctx.config.passwordCost,
          body.password,
          user.email ?? body.email,
        );
        await db
          .transaction()
          .execute((trx) => setPassword(trx, now, user.id, { hash, email: body.email }));
        // Setting a password ends every session, this one too: start a fresh one here.
        const answer = signedIn(req, res, await sessionAfterPassword(db, ctx.config, now, user.id));
        if (!isForm(req)) return answer;
        seeOther(res, '/');
      } catch (e) {
        if (!(e instanceof AppError) || !isForm(req)) throw e;
        res
          .status(e.status)
          .type('html')
          .send(
            accountPage({
              user: { name: principal.name, role: principal.role, email: user.email },
              csrfToken: req.csrfToken ?? '',
              needsEmail: !user.email,
              needsCurrent: Boolean(user.has_password),
              error: formMessage(e),
            }),
          );
      }
    },
  );
  return router;
}

/**
 * Resolves the caller on every request: `Authorization: Bearer KEY` (scripts, machines) or the
 * `salesops_session` cookie (people in a browser). A missing credential is not an error here
 * (public routes exist); a key that is present but unknown or revoked is a 401 at once — except on
 * public routes, which ignore Authorization: a monitor still sending a revoked key must not see a
 * healthy service as down. What is public is the route registry's `roles: 'public'`, asked here.
 *
 * Cookie-authenticated unsafe requests (POST/PUT/PATCH/DELETE) need the session's CSRF token in
 * `X-CSRF-Token` or a `_csrf` form field; any unsafe request without a Bearer key whose Origin is
 * another site is refused outright. Role checks happen per route (api/route.ts).
 */
import type { Request, RequestHandler } from 'express';
import type { AppContext } from '../../context.ts';
import { nowOf } from '../../context.ts';
import { AppError } from '../errors.ts';
import type { RouteRegistry } from '../route.ts';
import { resolveSession } from '../sessions/service.ts';
import { csrfTokenFor, sameToken } from '../sessions/tokens.ts';
import { readCookie, SESSION_COOKIE } from './cookies.ts';
import { hashKey } from './keys.ts';
import { cachedPrincipal } from './key-cache.ts';
import { findActiveKeyByHash } from './repository.ts';
import type { Principal } from './principal.ts';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export function authenticate(ctx: AppContext, registry: RouteRegistry): RequestHandler {
  const db = ctx.ops.db;
  const loadKey = async (hash: string): Promise<Principal | undefined> => {
    const key = await findActiveKeyByHash(db, hash);
    return (
      key && {
        keyId: key.id,
        userId: key.user_id,
        sessionId: null,
        name: key.name,
        role: key.role,
        repId: key.rep_id,
      }
    );
  };
  // The embedded database has one process: every revocation goes through this one, which drops
  // its cached lookups (key-cache.ts), so the cache is safe there. On PostgreSQL another process
  // (a second instance, the CLI) may revoke a key or disable its user, and that must be refused
  // on the next request: every request asks the database (one indexed lookup).
  const resolveKey =
    ctx.ops.kind === 'embedded'
      ? (hash: string) => cachedPrincipal(db, hash, () => loadKey(hash))
      : loadKey;

  return async (req, _res, next) => {
    const isPublic = registry.isPublic(req.method, req.path);
    const header = req.get('authorization');
    const unsafe = !SAFE.has(req.method);
    if (header) {
      if (isPublic) return next();
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!m) throw new AppError('unauthorized', 'Authorization must be "Bearer <API key>"');
      const principal = await resolveKey(hashKey(m[1]!));
      if (!principal) throw new AppError('unauthorized', 'unknown or revoked API key');
      req.principal = principal;
      return next();
    }
    if (unsafe) refuseOtherSites(req, ctx.config.publicUrl);
    const token = readCookie(req, SESSION_COOKIE);
    if (!token) return next();
    const principal = await resolveSession(db, ctx.config, nowOf(ctx), token);
    if (!principal) {
      req.sessionEnded = true;
      return next();
    }
    const csrf = csrfTokenFor(token);
    if (unsafe && !isPublic) {
      const given = req.get('x-csrf-token') ?? formField(req, '_csrf');
      if (!given || !sameToken(given, csrf))
        throw new AppError(
          'forbidden',
          'a signed-in browser request that changes something needs the CSRF token ' +
            '(X-CSRF-Token header or _csrf form field, from the page or the POST /login answer)',
        );
    }
    if (req.body && typeof req.body === 'object' && '_csrf' in req.body) delete req.body._csrf;
    req.principal = principal;
    req.csrfToken = csrf;
    next();
  };
}

/** The `_csrf` field of a form body. */
function formField(req: Request, name: string): string | undefined {
  if (!req.is('application/x-www-form-urlencoded')) return undefined;
  const v = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * 403 for a browser request sent by another site: its Origin is neither this server as the
 * request reached it nor SALESOPS_PUBLIC_URL. Browsers send Origin on every cross-origin POST;
 * requests without one (curl, server-side clients) are not a browser's cross-site request.
 */
function refuseOtherSites(req: Request, publicUrl: string | undefined): void {
  const origin = req.get('origin');
  if (origin === undefined) return;
  const own = `${req.protocol}://${req.get('host')}`;
  const allowed = [own, publicUrl && new URL(publicUrl).origin].filter(Boolean);
  if (!allowed.includes(origin.toLowerCase()))
    throw new AppError(
      'forbidden',
      `a request from another site (Origin ${origin}) may not change anything here`,
    );
}

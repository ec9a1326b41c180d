/**
 * Resolves `Authorization: Bearer KEY` to a Principal on every request. A missing key is not an
 * error here (public routes exist); a key that is present but unknown or revoked is a 401 at once
 * — except on the public routes, which ignore Authorization: a monitor or load balancer still
 * sending a revoked key must not see a healthy service as down.
 * Role checks happen per route (api/route.ts).
 */
import type { Request, RequestHandler } from 'express';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../errors.ts';
import { hashKey } from './keys.ts';
import { cachedPrincipal } from './key-cache.ts';
import { findActiveKeyByHash } from './repository.ts';

/**
 * The routes that need no key: GET /health (roles 'public' in api/health/routes.ts) and the
 * OpenAPI document. The middleware runs before routing, so it cannot ask the route itself; a new
 * public route is added here as well.
 */
const PUBLIC_GET_PATHS: ReadonlySet<string> = new Set(['/health', '/api/v1/openapi.json']);

/** Whether `req` goes to a public route, which answers the same with or without a key. */
export function isPublicRequest(req: Request): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  // Express routes case-insensitively and with an optional trailing slash: match as it does.
  return PUBLIC_GET_PATHS.has(req.path.toLowerCase().replace(/(.)\/+$/, '$1'));
}

/** Express middleware: sets req.principal from the API key; 401 for a bad key on other routes. */
export function authenticate(db: Kysely<DB>): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization');
    if (!header || isPublicRequest(req)) return next();
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw new AppError('unauthorized', 'Authorization must be "Bearer <API key>"');
    // Cached for a short while (see key-cache.ts for what that means for revocations).
    const hash = hashKey(m[1]!);
    const principal = await cachedPrincipal(db, hash, async () => {
      const key = await findActiveKeyByHash(db, hash);
      return key && { keyId: key.id, name: key.name, role: key.role, repId: key.rep_id };
    });
    if (!principal) throw new AppError('unauthorized', 'unknown or revoked API key');
    req.principal = principal;
    next();
  };
}

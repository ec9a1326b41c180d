/**
 * Resolves `Authorization: Bearer KEY` to a Principal on every request. A missing key is not an
 * error here (public routes exist); a key that is present but unknown or revoked is a 401 at once.
 * Role checks happen per route (api/route.ts).
 */
import type { RequestHandler } from 'express';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../errors.ts';
import { hashKey } from './keys.ts';
import { findActiveKeyByHash } from './repository.ts';

export function authenticate(db: Kysely<DB>): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization');
    if (!header) return next();
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw new AppError('unauthorized', 'Authorization must be "Bearer <API key>"');
    const key = await findActiveKeyByHash(db, hashKey(m[1]!));
    if (!key) throw new AppError('unauthorized', 'unknown or revoked API key');
    req.principal = { keyId: key.id, name: key.name, role: key.role, repId: key.rep_id };
    next();
  };
}

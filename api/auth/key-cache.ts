/**
 * In-process cache of API-key lookups (sha256 → principal). Every request resolves its key, and
 * the lookup was one SQL round trip of the ~24 an order costs (create + confirm, bench/orders.ts),
 * on a server whose single thread is the bottleneck.
 *
 * Used on the embedded database only (api/auth/middleware.ts): there every revocation goes
 * through this process (the CLI hands its work to the server), which forgets the key at once
 * (DELETE /api-keys/{id}, revokeKey, disableUser on the same `db`). On PostgreSQL another process
 * may revoke a key or disable its user, and revocation must be immediate everywhere, so each
 * request asks the database there. Unknown and revoked keys are never cached, so a new key works
 * at once and a bad one cannot fill memory.
 *
 * One cache per database handle (WeakMap), so tests that run several apps on several databases in
 * one process never see each other's keys.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Principal } from './principal.ts';

/** How long a resolved key is trusted without asking the database again. */
export const KEY_CACHE_TTL_MS = 30_000;
/** Distinct keys kept at most; beyond that the cache starts over (keys are few in practice). */
const MAX_ENTRIES = 10_000;

interface KeyCache {
  entries: Map<string, { principal: Principal; expires: number }>;
  /**
   * Bumped on every revocation. A lookup that started before a revocation and finishes after it
   * may have read the key as active; it must not put that answer in the cache.
   */
  generation: number;
}

const caches = new WeakMap<object, KeyCache>();

function cacheFor(db: Kysely<DB>): KeyCache {
  let c = caches.get(db);
  if (!c) caches.set(db, (c = { entries: new Map(), generation: 0 }));
  return c;
}

/**
 * The principal for key hash `hash`: from the cache while fresh, else from `load` (the database),
 * cached when found. Returns undefined for an unknown or revoked key.
 */
export async function cachedPrincipal(
  db: Kysely<DB>,
  hash: string,
  load: () => Promise<Principal | undefined>,
): Promise<Principal | undefined> {
  const cache = cacheFor(db);
  const now = Date.now();
  const hit = cache.entries.get(hash);
  if (hit && hit.expires > now) return hit.principal;
  if (hit) cache.entries.delete(hash);
  const generation = cache.generation;
  const principal = await load();
  if (principal && cache.generation === generation) {
    if (cache.entries.size >= MAX_ENTRIES) cache.entries.clear();
    cache.entries.set(hash, {
      principal: Object.freeze(principal),
      expires: now + KEY_CACHE_TTL_MS,
    });
  }
  return principal;
}

/** Forget key `keyId` (revoked) so the next request with it asks the database. */
export function forgetKey(db: Kysely<DB>, keyId: number): void {
  const cache = cacheFor(db);
  cache.generation++;
  for (const [hash, entry] of cache.entries)
    if (entry.principal.keyId === keyId) cache.entries.delete(hash);
}

/** Forget every cached key (a user was disabled: their keys were revoked with them). */
export function forgetAllKeys(db: Kysely<DB>): void {
  const cache = cacheFor(db);
  cache.generation++;
  cache.entries.clear();
}

/**
 * Random one-time tokens (sessions, set-password and sign-in links). 256 random bits, sent in
 * clear once and stored as sha256 in a `token_hash` column: like API keys (api/auth/keys.ts), a
 * token this long needs no slow hash, and a stolen table gives nobody a session.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function newToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * The CSRF token of a session: derived from the session's own secret, so it needs no storage and
 * only a page served to that browser can know it (another site can send the cookie, not read it).
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHash('sha256').update(`salesops-csrf\0${sessionToken}`, 'utf8').digest('base64url');
}

/** Constant-time comparison of two tokens. */
export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

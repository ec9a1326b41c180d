/**
 * API key format and hashing. A key is `so_<prefix>_<secret>`; only its sha256 is stored, and
 * the prefix (not secret) is kept in clear so admins can tell keys apart in listings.
 * sha256 rather than a slow KDF: keys are 32 random bytes, so brute force is not the threat a
 * password hash guards against, and every request verifies one.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface NewKeyMaterial {
  key: string;
  prefix: string;
  hash: string;
}

/** Make a fresh random key. */
export function generateKey(): NewKeyMaterial {
  const prefix = randomBytes(4).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const key = `so_${prefix}_${secret}`;
  return { key, prefix, hash: hashKey(key) };
}

/** sha256 hex of the whole key string. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

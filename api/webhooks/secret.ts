/**
 * Webhook signing secrets. Standard Webhooks form: `whsec_` + base64 of 32 random bytes, shown
 * once (the POST that creates the webhook, a rotation). The dispatcher needs the secret itself to
 * sign, so unlike API keys it cannot be kept as a hash: it is stored encrypted with AES-256-GCM
 * under the instance key (secret-key.ts). GCM authenticates as well, so a row encrypted under
 * another key fails loudly instead of signing with garbage.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';
/** The stored form's version, so a future scheme can sit beside this one. */
const STORED = 'v1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Bound into every ciphertext: a value encrypted for something else does not decrypt here. */
const AAD = Buffer.from('salesops webhook secret v1');

/** A fresh `whsec_…` secret. */
export function generateSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}

/** The HMAC key a `whsec_…` secret stands for: the bytes its base64 part decodes to. */
export function signingKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

/** Encrypt `secret` under the 32-byte `key`: `v1.` + base64(iv | tag | ciphertext). */
export function encryptSecret(key: Buffer, secret: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(AAD);
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return STORED + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

/** Thrown when a stored secret does not decrypt under this instance's key. */
export class SecretKeyMismatchError extends Error {
  override name = 'SecretKeyMismatchError';
  constructor() {
    super(
      'the webhook secret does not decrypt with this instance’s key: instances sharing one ' +
        'database must share SALESOPS_WEBHOOK_KEY (or the data folder’s webhook.key)',
    );
  }
}

/** The `whsec_…` secret stored by encryptSecret; SecretKeyMismatchError under another key. */
export function decryptSecret(key: Buffer, stored: string): string {
  if (!stored.startsWith(STORED)) throw new SecretKeyMismatchError();
  const raw = Buffer.from(stored.slice(STORED.length), 'base64');
  if (raw.length <= IV_BYTES + TAG_BYTES) throw new SecretKeyMismatchError();
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(AAD);
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([
      decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    throw new SecretKeyMismatchError();
  }
}

/**
 * Password hashing with node's own `crypto.scrypt` (no dependency: it is in every Node version we
 * run, memory-hard, and runs on libuv's thread pool, so a sign-in never blocks the event loop).
 * Parameters are stored with each hash (`scrypt$ln=17,r=8,p=1$salt$hash`), so raising the cost
 * later leaves old hashes verifiable. The default cost is OWASP's scrypt minimum (N = 2^17,
 * r = 8, p = 1: 128 MiB and a median 0.76 s per verification on this 2-core machine at load 4);
 * SALESOPS_PASSWORD_COST lowers it for tests.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { isCommonPassword } from './common-passwords.ts';

const KEY_LENGTH = 32;
const PREFIX = 'scrypt';

function scrypt(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password.normalize('NFC'), salt, KEY_LENGTH, options, (e, key) =>
      e ? reject(e) : resolve(key),
    ),
  );
}

/** scrypt's memory need is 128·N·r bytes; node refuses above `maxmem` (32 MiB by default). */
function optionsFor(ln: number, r: number, p: number): ScryptOptions {
  const N = 2 ** ln;
  return { N, r, p, maxmem: 128 * N * r * p + 1024 * 1024 };
}

/** Hash `password` with cost 2^`ln`. */
export async function hashPassword(password: string, ln: number): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, optionsFor(ln, 8, 1));
  return `${PREFIX}$ln=${ln},r=8,p=1$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** True when `password` matches `stored` (a hash made by hashPassword, with its own cost). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = /^scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (!m) return false;
  const expected = Buffer.from(m[5]!, 'base64');
  const key = await scrypt(
    password,
    Buffer.from(m[4]!, 'base64'),
    optionsFor(Number(m[1]), Number(m[2]), Number(m[3])),
  );
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/**
 * A hash of nothing anyone knows, at cost `ln`: a sign-in for an unknown email verifies against
 * it, so it takes as long as a wrong password for a real one (the answer is the same too).
 */
const decoys = new Map<number, Promise<string>>();
export function decoyHash(ln: number): Promise<string> {
  let d = decoys.get(ln);
  if (!d) decoys.set(ln, (d = hashPassword(randomBytes(24).toString('base64'), ln)));
  return d;
}

export const MIN_PASSWORD_LENGTH = 12;
/** scrypt hashes any length, but a megabyte "password" is a cheap way to burn a core. */
export const MAX_PASSWORD_LENGTH = 1024;

/** Why `password` is refused, in words for the person choosing it, or undefined when it is fine. */
export function passwordProblem(password: string, email?: string | null): string | undefined {
  if ([...password].length < MIN_PASSWORD_LENGTH)
    return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH)
    return `must be at most ${MAX_PASSWORD_LENGTH} characters`;
  if (isCommonPassword(password)) return 'is one of the most common passwords; choose another';
  if (new Set(password).size < 4) return 'repeats too few characters; choose another';
  const local = email?.split('@')[0]?.toLowerCase();
  if (local && local.length >= 4 && password.toLowerCase().includes(local))
    return 'must not contain your email address';
  return undefined;
}

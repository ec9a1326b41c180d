/**
 * The webhook rules that need no database: which addresses are refused, which event types a
 * pattern takes, the retry schedule, when a webhook is disabled, the secret's encryption and
 * its key (file mode, the variable's parsing), and the signature against the docs' snippet.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.ts';
import { isNonPublicAddress } from '../api/webhooks/address.ts';
import {
  afterFailure,
  isEventTypePattern,
  matchesEventTypes,
  MAX_RETRY_DELAY_MS,
  retryDelayMs,
  shouldDisable,
} from '../api/webhooks/policy.ts';
import {
  decryptSecret,
  encryptSecret,
  generateSecret,
  SecretKeyMismatchError,
} from '../api/webhooks/secret.ts';
import { KEY_FILE, loadWebhookKey } from '../api/webhooks/secret-key.ts';
import { signDelivery } from '../api/webhooks/signature.ts';
import { tempDir } from './support/harness.ts';
import { loadVerifySnippet } from './support/webhook-snippet.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('webhook addresses', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.0.0.1',
    '172.16.5.4',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '64:ff9b::a9fe:a9fe',
    'not an address',
  ])('%s is not public', (address) => {
    expect(isNonPublicAddress(address)).toBe(true);
  });

  it.each([
    '8.8.8.8',
    '172.32.0.1',
    '192.169.0.1',
    '1.1.1.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
  ])('%s is public', (address) => {
    expect(isNonPublicAddress(address)).toBe(false);
  });
});

describe('event type patterns', () => {
  it('takes exact types, an area with .*, and *', () => {
    expect(matchesEventTypes(['order.*'], 'order.shipped')).toBe(true);
    expect(matchesEventTypes(['order.*'], 'orders.shipped')).toBe(false);
    expect(matchesEventTypes(['order.*'], 'order')).toBe(false);
    expect(matchesEventTypes(['stock.low'], 'stock.low')).toBe(true);
    expect(matchesEventTypes(['stock.low'], 'stock.restored')).toBe(false);
    expect(matchesEventTypes(['opportunity.stage_changed'], 'opportunity.stageXchanged')).toBe(
      false,
    );
    expect(matchesEventTypes(['*'], 'anything.at_all')).toBe(true);
    expect(matchesEventTypes(['a.b', 'order.*'], 'order.created')).toBe(true);
    const twenty = [...Array.from({ length: 19 }, (_, i) => `area${i}.x`), 'order.*'];
    expect(matchesEventTypes(twenty, 'order.created')).toBe(true);
  });

  it('accepts the pattern forms and refuses others', () => {
    for (const ok of ['*', 'order.*', 'order.shipped', 'opportunity.stage_changed', 'job.failed'])
      expect(isEventTypePattern(ok), ok).toBe(true);
    for (const bad of [
      '',
      'order',
      'Order.*',
      'order.',
      '.order',
      'order.*.x',
      'ord*',
      '**',
      'a b',
    ])
      expect(isEventTypePattern(bad), bad).toBe(false);
  });
});

describe('retries and disabling', () => {
  it('doubles the delay from the base, jittered ±25 %, capped at 4 h', () => {
    expect(retryDelayMs(1, 30_000, 0.5)).toBe(30_000);
    expect(retryDelayMs(2, 30_000, 0.5)).toBe(60_000);
    expect(retryDelayMs(5, 30_000, 0.5)).toBe(480_000);
    expect(retryDelayMs(1, 30_000, 0)).toBe(22_500);
    expect(retryDelayMs(1, 30_000, 0.999_999)).toBe(37_500);
    expect(retryDelayMs(30, 30_000, 0.5)).toBe(MAX_RETRY_DELAY_MS);
  });

  it('retries until the window ends, the last attempt at its end, then dead', () => {
    const start = new Date('2026-01-01T00:00:00Z');
    const day = 86_400_000;
    const at = (ms: number) => new Date(start.getTime() + ms);
    const next = afterFailure({
      now: at(1000),
      windowStartedAt: start,
      attempt: 1,
      baseMs: 30_000,
      windowMs: day,
      random: 0.5,
    });
    expect(next).toEqual({ status: 'pending', nextAttemptAt: at(31_000) });
    const last = afterFailure({
      now: at(day - 60_000),
      windowStartedAt: start,
      attempt: 14,
      baseMs: 30_000,
      windowMs: day,
      random: 0.5,
    });
    expect(last).toEqual({ status: 'pending', nextAttemptAt: at(day) });
    expect(
      afterFailure({
        now: at(day),
        windowStartedAt: start,
        attempt: 15,
        baseMs: 30_000,
        windowMs: day,
      }),
    ).toEqual({ status: 'dead' });
  });

  it('disables only after enough failures in a row that started long enough ago', () => {
    const now = new Date('2026-01-02T00:00:00Z');
    const policy = { failures: 15, afterMs: 86_400_000, now };
    const dayAgo = new Date('2026-01-01T00:00:00Z');
    expect(shouldDisable({ ...policy, consecutiveFailures: 15, failingSince: dayAgo })).toBe(true);
    expect(shouldDisable({ ...policy, consecutiveFailures: 14, failingSince: dayAgo })).toBe(false);
    const hourAgo = new Date('2026-01-01T23:00:00Z');
    expect(shouldDisable({ ...policy, consecutiveFailures: 500, failingSince: hourAgo })).toBe(
      false,
    );
    expect(shouldDisable({ ...policy, consecutiveFailures: 0, failingSince: null })).toBe(false);
  });
});

describe('the secret', () => {
  it('is whsec_ and 32 random bytes, and round-trips through encryption', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(generateSecret()).not.toBe(secret);
    const key = Buffer.alloc(32, 7);
    const stored = encryptSecret(key, secret);
    expect(stored).toMatch(/^v1\./);
    expect(stored).not.toContain(secret.slice(6, 20));
    expect(decryptSecret(key, stored)).toBe(secret);
    // Another key, or a tampered value, fails loudly rather than signing with garbage.
    expect(() => decryptSecret(Buffer.alloc(32, 8), stored)).toThrow(SecretKeyMismatchError);
    const tampered = stored.slice(0, -4) + (stored.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(() => decryptSecret(key, tampered)).toThrow(SecretKeyMismatchError);
  });

  it('is encrypted under a key file created with mode 0600, or SALESOPS_WEBHOOK_KEY', () => {
    const dir = tempDir('salesops-webhook-key-');
    dirs.push(dir);
    const dataDir = path.join(dir, 'data');
    const key = loadWebhookKey({ dataDir, webhookKey: undefined });
    const file = path.join(dataDir, KEY_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(key).toHaveLength(32);
    expect(loadWebhookKey({ dataDir, webhookKey: undefined })).toEqual(key);
    expect(fs.readdirSync(dataDir)).toEqual([KEY_FILE]); // no temporary file left behind

    const given = Buffer.alloc(32, 3);
    const config = loadConfig({
      SALESOPS_DATA_DIR: dataDir,
      SALESOPS_WEBHOOK_KEY: given.toString('base64'),
    });
    expect(loadWebhookKey(config)).toEqual(given);
    const hex = loadConfig({ SALESOPS_WEBHOOK_KEY: given.toString('hex') });
    expect(hex.webhookKey).toBe(given.toString('base64'));
  });

  it('a bad SALESOPS_WEBHOOK_KEY stops start-up without repeating the value', () => {
    const value = 'c2hvcnQta2V5LW5vdC0zMi1ieXRlcw==';
    let error: unknown;
    try {
      loadConfig({ SALESOPS_WEBHOOK_KEY: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).toMatch(/^ConfigError: SALESOPS_WEBHOOK_KEY: must be 32 random bytes/);
    expect(String(error)).not.toContain(value);
  });
});

describe('the signature', () => {
  it("is what the docs' verification snippet accepts, and nothing else", async () => {
    const verifyWebhook = await loadVerifySnippet();
    const secret = generateSecret();
    const body = JSON.stringify({ id: 7, type: 'order.created' });
    const now = Math.floor(Date.now() / 1000);
    const headers = signDelivery(secret, 'evt_7', now, body);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(verifyWebhook(secret, headers, body)).toBe(true);
    expect(verifyWebhook(generateSecret(), headers, body)).toBe(false);
    expect(verifyWebhook(secret, headers, body.replace('7', '8'))).toBe(false);
    expect(verifyWebhook(secret, { ...headers, 'webhook-id': 'evt_8' }, body)).toBe(false);
    const old = signDelivery(secret, 'evt_7', now - 3600, body);
    expect(verifyWebhook(secret, old, body)).toBe(false);
  });
});

/**
 * The key webhook secrets are encrypted under: SALESOPS_WEBHOOK_KEY when set (config.ts), else
 * `webhook.key` in the data folder, created on first use with mode 0600 (only the server's user
 * can read it). Instances that share one PostgreSQL must share the key — set the same
 * SALESOPS_WEBHOOK_KEY on each, or copy the file — or each can only sign for the webhooks it
 * created itself (docs/events.md, "Webhooks").
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config.ts';

export const KEY_FILE = 'webhook.key';

/** The 32-byte key for `config`, creating the key file when neither it nor the variable exists. */
export function loadWebhookKey(config: Pick<Config, 'webhookKey' | 'dataDir'>): Buffer {
  if (config.webhookKey) return Buffer.from(config.webhookKey, 'base64');
  const file = path.join(config.dataDir, KEY_FILE);
  const existing = readKeyFile(file);
  if (existing) return existing;
  fs.mkdirSync(config.dataDir, { recursive: true });
  const key = randomBytes(32);
  // Written whole under a temporary name, then linked into place: link never overwrites, so
  // of two processes creating it at the same moment the first wins and the other reads its key
  // (never a half-written file).
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  fs.writeFileSync(temp, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(temp, file);
    return key;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return readKeyFile(file)!;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

function readKeyFile(file: string): Buffer | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32)
    throw new Error(`${file} must hold 32 bytes as base64 (it is the webhook secrets' key)`);
  return key;
}

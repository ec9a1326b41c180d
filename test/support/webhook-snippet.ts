/**
 * The signature-verification snippet of docs/events.md ("Verifying a signature"), loaded as the
 * module a receiver would paste it into: the tests verify real deliveries with it, so the docs
 * cannot drift from what the dispatcher sends.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** The docs' verifyWebhook(secret, headers, body, toleranceSeconds?). */
export type VerifyWebhook = (
  secret: string,
  headers: Record<string, string | undefined>,
  body: string,
  toleranceSeconds?: number,
) => boolean;

/** The first js code block after `<!-- verify-snippet -->` in docs/events.md, imported. */
export async function loadVerifySnippet(): Promise<VerifyWebhook> {
  const docs = fs.readFileSync(new URL('../../docs/events.md', import.meta.url), 'utf8');
  const after = docs.split('<!-- verify-snippet -->')[1];
  const code = after && /```js\n([\s\S]*?)\n```/.exec(after)?.[1];
  if (!code) throw new Error('docs/events.md has no js block after <!-- verify-snippet -->');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'salesops-snippet-'));
  const file = path.join(dir, 'verify.mjs');
  fs.writeFileSync(file, code);
  try {
    const mod = (await import(pathToFileURL(file).href)) as { verifyWebhook?: VerifyWebhook };
    if (typeof mod.verifyWebhook !== 'function')
      throw new Error('the docs snippet does not export verifyWebhook');
    return mod.verifyWebhook;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `Idempotency-Key` on every POST. The first request with a key claims it (a row keyed by
 * (API key, Idempotency-Key) inserted before the handler runs, so concurrent requests with one key
 * run the handler once); its answer is stored when it has been sent. Later requests with the same
 * key and the same method, path and body get that answer again with `Idempotency-Replayed: true`;
 * with anything else, 422. A request that arrives while the first is still running waits for its
 * answer. 5xx answers are not kept, so the client may retry them.
 */
import { createHash } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError, fieldProblem } from '../errors.ts';
import * as repo from './repository.ts';

/** Header that marks a replayed answer. */
export const REPLAY_HEADER = 'Idempotency-Replayed';
const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;
/** How long a duplicate waits for the first request's answer before giving up with 409. */
const WAIT_MS = 30_000;
/** A claim with no answer after this long belongs to a request that died; it may be retried. */
const STALE_SECONDS = 120;

/** JSON with object keys sorted, so key order does not make two bodies different. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function fingerprint(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method}\n${path}\n${canonicalJson(body)}`)
    .digest('hex');
}

function replay(
  res: Response,
  stored: { status_code: number | null; content_type: string | null; response_body: string | null },
) {
  res.setHeader(REPLAY_HEADER, 'true');
  res.status(stored.status_code!);
  if (stored.content_type) res.setHeader('content-type', stored.content_type);
  if (stored.response_body) res.send(stored.response_body);
  else res.end();
}

/** Express middleware; mount after authentication (keys are scoped per API key). */
export function idempotency(db: Kysely<DB>): RequestHandler {
  return async (req, res, next) => {
    if (req.method !== 'POST') return next();
    const key = req.get('idempotency-key');
    // Stored answers are scoped per API key; a browser session has none, so its requests are
    // not replayed (pages do not send the header).
    if (key === undefined || req.principal?.keyId == null) return next();
    if (!KEY_FORMAT.test(key))
      throw fieldProblem(
        'bad_request',
        'Idempotency-Key',
        'invalid format',
        'header',
        'Idempotency-Key must be 1–255 visible ASCII characters',
      );
    const ref = { apiKeyId: req.principal.keyId, key };
    const hash = fingerprint(req.method, req.originalUrl, req.body);

    let owner = await repo.claimKey(db, ref, { method: req.method, path: req.originalUrl, hash });
    const deadline = Date.now() + WAIT_MS;
    while (!owner) {
      const stored = await repo.findKey(db, ref);
      if (!stored) {
        // The first request failed with a 5xx and let go of the key: try to claim it again.
        owner = await repo.claimKey(db, ref, { method: req.method, path: req.originalUrl, hash });
        continue;
      }
      if (stored.request_hash !== hash)
        throw new AppError(
          'unprocessable',
          'this Idempotency-Key was used with a different request (method, path or body)',
          {
            errors: [
              { field: 'Idempotency-Key', in: 'header', message: 'reused with another request' },
            ],
          },
        );
      if (stored.status_code !== null) return replay(res, stored);
      if (await repo.reclaimStale(db, ref, hash, STALE_SECONDS)) break;
      if (Date.now() > deadline)
        throw new AppError('conflict', 'a request with this Idempotency-Key is still in progress');
      await new Promise((r) => setTimeout(r, 20));
    }

    // Keep what is sent, and store it once the answer has gone out.
    let sent: { body: string } | undefined;
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    res.end = ((...args: unknown[]) => {
      const chunk = args[0];
      if (sent === undefined && typeof chunk !== 'function')
        sent = {
          body:
            chunk == null ? '' : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk),
        };
      return end(...args);
    }) as Response['end'];
    res.once('close', () => {
      const done =
        sent && res.statusCode < 500
          ? repo.completeKey(db, ref, {
              status: res.statusCode,
              contentType: (res.getHeader('content-type') as string | undefined) ?? null,
              body: sent.body,
            })
          : repo.releaseKey(db, ref);
      done.catch((err: unknown) =>
        req.log?.error({ err }, 'could not store the idempotent answer'),
      );
    });
    next();
  };
}

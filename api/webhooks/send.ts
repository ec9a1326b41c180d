/**
 * One outbound POST of a delivery. The rules (issue #17): a 2xx answer is success; anything else,
 * no answer within the timeout (10 s), or a connection error is a failure. Redirects are never
 * followed — a 3xx could point at another host, or at the private network the address check
 * keeps the server out of — so a 3xx is a failure that says so. The connection goes to the
 * address resolveTarget checked (`lookup` below), never to a fresh lookup of the name.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ResolvedTarget } from './address.ts';

/** The default time a receiver has to answer. */
export const SEND_TIMEOUT_MS = 10_000;
/** How much of a receiver's answer is kept (bytes): enough to see an error message. */
export const RESPONSE_SNIPPET_BYTES = 500;

/** What one attempt came to. */
export interface SendResult {
  ok: boolean;
  statusCode: number | null;
  /** From sending the request to the answer's status line (or to the failure). */
  latencyMs: number;
  /** The first RESPONSE_SNIPPET_BYTES of the answer, as text. */
  response: string | null;
  error: string | null;
}

/** Text PostgreSQL can store: NUL is the one character its text type refuses. */
export function storableText(text: string, max = 2000): string {
  return text.replaceAll('\0', '\uFFFD').slice(0, max);
}

/** POST `body` to `target` with `headers`; never throws. */
export function postDelivery(
  target: ResolvedTarget,
  headers: Record<string, string>,
  body: string,
  timeoutMs = SEND_TIMEOUT_MS,
): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  // Answers every lookup with the checked address, whether Node asks for one or for all.
  const lookup = ((_host: string, options: { all?: boolean }, cb: (...a: unknown[]) => void) => {
    if (options.all) cb(null, [{ address: target.address, family: target.family }]);
    else cb(null, target.address, target.family);
  }) as unknown as LookupFunction;
  const send = target.url.protocol === 'https:' ? https.request : http.request;

  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const settle = (r: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(r);
    };
    const timer = setTimeout(
      () =>
        settle({
          ok: false,
          statusCode: null,
          latencyMs: elapsed(),
          response: null,
          error: `no answer within ${timeoutMs / 1000} s`,
        }),
      timeoutMs,
    );
    const req = send(
      target.url,
      {
        method: 'POST',
        agent: false,
        lookup,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'salesops-webhooks/1',
        },
      },
      (res) => {
        const latencyMs = elapsed();
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          const response = storableText(
            Buffer.concat(chunks).subarray(0, RESPONSE_SNIPPET_BYTES).toString('utf8'),
          );
          const ok = status >= 200 && status < 300;
          let error: string | null = null;
          if (status >= 300 && status < 400)
            error = storableText(
              `redirects are not followed (HTTP ${status} to ${res.headers.location ?? 'no location'})`,
            );
          else if (!ok) error = `HTTP ${status}`;
          settle({ ok, statusCode: status, latencyMs, response, error });
        };
        res.on('data', (chunk: Buffer) => {
          if (size < RESPONSE_SNIPPET_BYTES) chunks.push(chunk);
          size += chunk.length;
          // Enough read: the rest of a large answer is not waited for.
          if (size >= RESPONSE_SNIPPET_BYTES) done();
        });
        res.on('end', done);
        res.on('error', done);
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) =>
      settle({
        ok: false,
        statusCode: null,
        latencyMs: elapsed(),
        response: null,
        error: storableText(e.code ? `${e.code}: ${e.message}` : e.message),
      }),
    );
    req.end(body);
  });
}

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

/**
 * Connections are kept open between deliveries (per protocol, pooled by host and port): a new
 * TCP (and TLS) connection per delivery was most of the dispatcher's own CPU. A pooled socket
 * goes to an address checked when it was opened; the check still runs before every delivery,
 * so a name now resolving somewhere private is refused before any socket is reused. Idle
 * sockets close after 4 s, before the common 5 s server keep-alive drops them under us.
 */
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 64, timeout: 4_000 };
const agents = { http: new http.Agent(AGENT_OPTIONS), https: new https.Agent(AGENT_OPTIONS) };

/** POST `body` to `target` with `headers`; never throws. */
export async function postDelivery(
  target: ResolvedTarget,
  headers: Record<string, string>,
  body: string,
  timeoutMs = SEND_TIMEOUT_MS,
): Promise<SendResult> {
  const first = await postOnce(target, headers, body, timeoutMs);
  // A kept-open socket the receiver closed just as it was reused fails before any answer: send
  // again on a new connection (the receiver dedupes by webhook-id anyway).
  return first.retry
    ? (await postOnce(target, headers, body, timeoutMs, true)).result
    : first.result;
}

function postOnce(
  target: ResolvedTarget,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  fresh = false,
): Promise<{ result: SendResult; retry: boolean }> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  // Answers every lookup with the checked address, whether Node asks for one or for all.
  const lookup = ((_host: string, options: { all?: boolean }, cb: (...a: unknown[]) => void) => {
    if (options.all) cb(null, [{ address: target.address, family: target.family }]);
    else cb(null, target.address, target.family);
  }) as unknown as LookupFunction;
  const secure = target.url.protocol === 'https:';
  const send = secure ? https.request : http.request;

  return new Promise((resolve) => {
    let settled = false;
    const settle = (r: SendResult, retry = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // A socket whose answer was read to the end goes back to the pool; any other is closed.
      if (!answered) req.destroy();
      resolve({ result: r, retry });
    };
    let answered = false;
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
        // The retry's own connection: the pool may hold more sockets the receiver closed.
        agent: fresh ? false : secure ? agents.https : agents.http,
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
        res.on('end', () => {
          answered = true;
          done();
        });
        res.on('error', done);
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) =>
      settle(
        {
          ok: false,
          statusCode: null,
          latencyMs: elapsed(),
          response: null,
          error: storableText(e.code ? `${e.code}: ${e.message}` : e.message),
        },
        req.reusedSocket && e.code === 'ECONNRESET',
      ),
    );
    req.end(body);
  });
}

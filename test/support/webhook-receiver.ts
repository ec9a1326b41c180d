/**
 * A real HTTP server that receives webhook deliveries in a test: it records every request
 * (headers, raw body, the answer it gave) and answers as the test says — fail the first n
 * attempts of each message, hold requests open, redirect, anything.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the receiver saw it. */
export interface Received {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  event: { id: number; type: string; entityType: string; entityId: string; [k: string]: unknown };
  /** The status answered (undefined while held or when the connection died first). */
  status?: number;
}

/** How to answer one request: a status (and body), or undefined to hold it open. */
export type Answer =
  { status: number; body?: string; headers?: Record<string, string> } | undefined;

export interface Receiver {
  url: string;
  received: Received[];
  /** Requests answered 2xx, in the order they were answered. */
  acknowledged(): Received[];
  /** Resolves once `n` requests have been answered 2xx. */
  waitForAcks(n: number, timeoutMs?: number): Promise<void>;
  /** Resolves once `n` requests have arrived (answered or not). */
  waitForRequests(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Start a receiver on 127.0.0.1; `answer` decides each reply (default 200). */
export async function startReceiver(
  answer: (r: Received, attemptOfMessage: number) => Answer | Promise<Answer> = () => ({
    status: 200,
  }),
): Promise<Receiver> {
  const received: Received[] = [];
  const attempts = new Map<string, number>();
  const waiters = new Set<() => void>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const r: Received = {
        id: String(req.headers['webhook-id'] ?? ''),
        timestamp: String(req.headers['webhook-timestamp'] ?? ''),
        signature: String(req.headers['webhook-signature'] ?? ''),
        body,
        event: JSON.parse(body),
      };
      received.push(r);
      const n = (attempts.get(r.id) ?? 0) + 1;
      attempts.set(r.id, n);
      for (const w of waiters) w();
      void Promise.resolve(answer(r, n)).then((a) => {
        if (!a) return;
        r.status = a.status;
        res.writeHead(a.status, a.headers).end(a.body ?? `answer ${a.status}`);
        for (const w of waiters) w();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const acknowledged = () => received.filter((r) => r.status !== undefined && r.status < 300);
  const waitFor = (done: () => boolean, what: string, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      if (done()) return resolve();
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out waiting for ${what} (${received.length} received)`));
      }, timeoutMs);
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
    });
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    acknowledged,
    waitForAcks: (n, timeoutMs = 30_000) =>
      waitFor(() => acknowledged().length >= n, `${n} acknowledged deliveries`, timeoutMs),
    waitForRequests: (n, timeoutMs = 30_000) =>
      waitFor(() => received.length >= n, `${n} requests`, timeoutMs),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

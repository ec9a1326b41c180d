/**
 * Delivery connections are kept open and reused (api/webhooks/send.ts), on PostgreSQL: a burst
 * to one receiver takes far fewer connections than deliveries, and a receiver that drops a
 * kept-open connection when it is reused (it answers one request per connection and hangs up
 * on the next) still gets every event on its first attempt — the reused socket's failure is
 * retried on a fresh one, not counted as a failed attempt.
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WebhookDispatcher } from '../api/webhooks/dispatcher.ts';
import { loadWebhookKey } from '../api/webhooks/secret-key.ts';
import { startTestEnv, type TestEnv } from './support/harness.ts';
import { emitEvents, eventually } from './support/webhook-events.ts';

describe.skipIf(!inject('pgAvailable'))('webhook connections [postgres]', () => {
  let env: TestEnv;
  let server: http.Server;
  let url: string;
  let connections = 0;
  let received = 0;
  beforeAll(async () => {
    env = await startTestEnv('postgres', { env: { SALESOPS_WEBHOOK_ALLOW_PRIVATE: 'true' } });
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received++;
        res.writeHead(204).end();
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    server?.close();
    await env?.close();
  });

  async function burst(n: number, from: number): Promise<void> {
    const d = new WebhookDispatcher(env.ops.db, pino({ level: 'silent' }), {
      allowPrivate: true,
      key: () => loadWebhookKey(env.config),
      retryBaseMs: 60_000, // a failed attempt would not come back within the test
      retryWindowMs: 3_600_000,
      disableFailures: 1_000,
      disableAfterMs: 0,
      concurrency: 4,
    });
    try {
      await emitEvents(
        env.ops,
        Array.from({ length: n }, (_, i) => ['order.created', `order:${from + i}`]),
      );
      d.start();
      await eventually(async () => received >= from + n - 1, `${n} deliveries`);
    } finally {
      await d.close();
    }
  }

  it('reuses connections, and retries on a fresh one when a kept one was closed', async () => {
    const hook = await env.request('POST', '/api/v1/webhooks', {
      body: { url, eventTypes: ['order.*'] },
    });
    expect(hook.status, hook.text).toBe(201);
    await burst(40, 1);
    expect(received).toBe(40);
    expect(connections).toBeLessThan(20);

    // One request per connection: answered (keep-alive), then the next on it is hung up on.
    const once = net.createServer((socket) => {
      let seen = '';
      let answered = false;
      socket.on('data', (chunk) => {
        if (answered) return void socket.destroy();
        seen += chunk.toString('latin1');
        const head = seen.indexOf('\r\n\r\n');
        const length = Number(/content-length: (\d+)/i.exec(seen)?.[1] ?? 0);
        if (head < 0 || seen.length < head + 4 + length) return;
        answered = true;
        received++;
        socket.write('HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n');
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => once.listen(0, '127.0.0.1', resolve));
    const port = (once.address() as AddressInfo).port;
    const patched = await env.request('PATCH', `/api/v1/webhooks/${hook.body.id}`, {
      body: { url: `http://127.0.0.1:${port}/hook` },
    });
    expect(patched.status, patched.text).toBe(200);
    try {
      await burst(20, 41);
    } finally {
      once.close();
    }
    expect(received).toBe(60);
    const attempts = await env.ops.db
      .selectFrom('webhook_deliveries')
      .select(['status', 'attempts'])
      .execute();
    expect(attempts).toHaveLength(60);
    expect(attempts.filter((a) => a.status !== 'succeeded' || a.attempts !== 1)).toEqual([]);
  });
});

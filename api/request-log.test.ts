/**
 * The request logger over real HTTP: one line per request with id, method, url, status and time;
 * level by status; the caller's X-Request-Id echoed only when well-formed; req.log bound to it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { requestLog } from './request-log.ts';

const lines: Record<string, unknown>[] = [];
let server: http.Server;
let base: string;

beforeAll(async () => {
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const app = express();
  app.use(requestLog(logger));
  app.get('/ok', (req, res) => {
    req.log.warn('inside the handler');
    res.json({ ok: true });
  });
  app.get('/fail', (_req, res) => {
    res.status(503).end();
  });
  // Never ends on its own: one held open, and one that never answers at all.
  app.get('/stream', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': hello\n\n');
  });
  app.get('/hang', () => {});
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server?.close();
});

it('logs one line per request and echoes a well-formed X-Request-Id', async () => {
  const r = await fetch(`${base}/ok?x=1`, { headers: { 'x-request-id': 'trace-42' } });
  expect(r.headers.get('x-request-id')).toBe('trace-42');
  await new Promise((resolve) => setTimeout(resolve, 20));
  const inside = lines.find((l) => l.msg === 'inside the handler');
  expect(inside).toMatchObject({ level: 40, reqId: 'trace-42' });
  const done = lines.find((l) => l.msg === 'request completed');
  expect(done).toMatchObject({
    level: 30,
    req: { id: 'trace-42', method: 'GET', url: '/ok?x=1' },
    res: { statusCode: 200 },
  });
  expect(typeof done!.responseTime).toBe('number');
});

it('replaces a malformed id and logs 5xx at error level', async () => {
  lines.length = 0;
  const r = await fetch(`${base}/fail`, { headers: { 'x-request-id': 'bad id with spaces' } });
  const id = r.headers.get('x-request-id')!;
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(lines).toEqual([
    expect.objectContaining({ level: 50, msg: 'request errored', res: { statusCode: 503 } }),
  ]);
  expect(lines[0]!.reqId).toBe(id);
});

it('logs a stream its client left as closed (info), and a request left unanswered as aborted (warn)', async () => {
  for (const path of ['/stream', '/hang']) {
    const ctrl = new AbortController();
    const r = fetch(`${base}${path}`, { signal: ctrl.signal });
    if (path === '/stream') await (await r).body!.getReader().read();
    else await new Promise((resolve) => setTimeout(resolve, 50));
    ctrl.abort();
    await r.catch(() => undefined);
  }
  for (
    let i = 0;
    i < 100 && lines.filter((l) => /closed|aborted/.test(String(l.msg))).length < 2;
    i++
  )
    await new Promise((resolve) => setTimeout(resolve, 10));
  expect(lines.find((l) => (l.req as any)?.url === '/stream')).toMatchObject({
    level: 30,
    msg: 'stream closed',
  });
  expect(lines.find((l) => (l.req as any)?.url === '/hang')).toMatchObject({
    level: 40,
    msg: 'request aborted',
  });
});

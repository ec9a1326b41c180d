/**
 * Webhook delivery with more than one dispatcher, and with one that dies — PostgreSQL only:
 * PGlite serves one process, and one dispatcher per process.
 * - Two dispatchers (two pools, as two instances would have) on one database, many events over
 *   many entities: the receiver sees every webhook-id exactly once, each entity in order.
 * - A dispatcher in a child process SIGKILLed mid-delivery — with a delivery leased but not sent,
 *   with the request at the receiver and unanswered, with the answer in but not recorded — and a
 *   new one started: nothing is lost; what was in flight is sent again once its lease runs out
 *   (at least once: the receiver may see an id twice, and dedupes by it).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { WebhookDispatcher } from '../api/webhooks/dispatcher.ts';
import { loadWebhookKey } from '../api/webhooks/secret-key.ts';
import type { OperationalDb } from '../db/operational.ts';
import { openPostgres } from '../db/postgres.ts';
import { startTestEnv, type TestEnv } from './support/harness.ts';
import type { DispatcherChildRequest } from './support/webhook-dispatcher-child.ts';
import {
  emitEvents,
  eventually,
  idsPerEntity,
  nonDecreasing,
  type TestEvent,
} from './support/webhook-events.ts';
import { startReceiver, type Answer, type Receiver } from './support/webhook-receiver.ts';

const CHILD = fileURLToPath(new URL('./support/webhook-dispatcher-child.ts', import.meta.url));
const REPO = path.resolve(path.dirname(CHILD), '../..');

/** Start a dispatcher child; `exited` resolves with how it ended. */
function spawnDispatcherChild(request: DispatcherChildRequest) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(request)], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { exited, stderr: () => stderr, kill: () => child.kill('SIGKILL') };
}

describe.skipIf(!inject('pgAvailable'))('webhook dispatchers [postgres]', () => {
  let env: TestEnv;
  const extra: OperationalDb[] = [];
  const dispatchers: WebhookDispatcher[] = [];
  const receivers: Receiver[] = [];
  const webhooks: number[] = [];

  beforeAll(async () => {
    env = await startTestEnv('postgres', { env: { SALESOPS_WEBHOOK_ALLOW_PRIVATE: 'true' } });
  });
  afterEach(async () => {
    for (const d of dispatchers.splice(0)) await d.close();
    for (const r of receivers.splice(0)) await r.close();
    for (const id of webhooks.splice(0)) await env.request('DELETE', `/api/v1/webhooks/${id}`);
  });
  afterAll(async () => {
    for (const ops of extra) await ops.close();
    await env?.close();
  });

  /** A dispatcher as another instance would run it: a pool of its own. */
  async function instance(leaseMs = 30_000): Promise<WebhookDispatcher> {
    const ops = await openPostgres(env.databaseUrl!, { max: 6 });
    extra.push(ops);
    const d = new WebhookDispatcher(ops.db, pino({ level: 'silent' }), {
      allowPrivate: true,
      key: () => loadWebhookKey(env.config),
      retryBaseMs: 20,
      retryWindowMs: 60_000,
      disableFailures: 1_000,
      disableAfterMs: 0,
      timeoutMs: 2_000,
      leaseMs,
      pollMs: 20,
    });
    dispatchers.push(d);
    d.start();
    return d;
  }

  async function receiver(
    answer?: (r: any, attempt: number) => Answer | Promise<Answer>,
  ): Promise<Receiver> {
    const r = await startReceiver(answer);
    receivers.push(r);
    return r;
  }

  async function webhookTo(url: string): Promise<number> {
    const r = await env.request('POST', '/api/v1/webhooks', {
      body: { url, eventTypes: ['order.*'] },
    });
    expect(r.status, r.text).toBe(201);
    webhooks.push(r.body.id);
    return r.body.id;
  }

  it('two dispatchers on one database never deliver an event twice, and keep each entity in order', async () => {
    // A little wait per request, so both dispatchers have requests in flight at once.
    const rx = await receiver(async () => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
      return { status: 200 };
    });
    const id = await webhookTo(rx.url);
    const ENTITIES = 25;
    const PER_ENTITY = 12;
    const a = await instance();
    const b = await instance();
    // Written by 6 concurrent writers while both dispatchers run.
    const ids: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, async (_, w) => {
        for (let step = 0; step < PER_ENTITY; step++) {
          const batch: TestEvent[] = [];
          for (let e = w; e < ENTITIES; e += 6) batch.push([`order.step_${step}`, `order:${e}`]);
          ids.push(...(await emitEvents(env.ops, batch)));
          void (step % 2 ? a : b).wake();
        }
      }),
    );
    expect(ids).toHaveLength(ENTITIES * PER_ENTITY);
    await rx.waitForAcks(ids.length, 120_000);
    await new Promise((resolve) => setTimeout(resolve, 200)); // anything extra would show now

    const seen = rx.received.map((r) => r.id);
    const twice = seen.filter((x, i) => seen.indexOf(x) !== i);
    expect(twice, 'webhook-ids delivered more than once').toEqual([]);
    expect(new Set(seen)).toEqual(new Set(ids.map((i) => `evt_${i}`)));
    for (const [entity, order] of idsPerEntity(rx.received))
      expect(nonDecreasing(order), `${entity}: ${order.join(',')}`).toBe(true);
    const attempts = await env.ops.db
      .selectFrom('webhook_attempts')
      .select(({ fn }) => fn.countAll<string>().as('n'))
      .where('webhook_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(Number(attempts.n)).toBe(ids.length);
    await eventually(async () => {
      const open = await env.ops.db
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('webhook_id', '=', id)
        .where('status', '!=', 'succeeded')
        .execute();
      return open.length === 0;
    }, 'every delivery recorded as succeeded');
  });

  /**
   * A child dispatcher dies at `how`; a dispatcher started afterwards delivers everything, in
   * order per entity. Returns the receiver (to look at duplicates).
   */
  async function crashAndRecover(how: 'picked' | 'in-request' | 'sent') {
    let childAlive = true;
    // While the child lives, the receiver holds requests open at 'in-request' (the child is
    // killed then); otherwise it answers at once.
    const rx = await receiver(() =>
      how === 'in-request' && childAlive ? undefined : { status: 200 },
    );
    const id = await webhookTo(rx.url);
    const ids = await emitEvents(env.ops, [
      ['order.created', 'order:1'],
      ['order.created', 'order:2'],
      ['order.confirmed', 'order:1'],
      ['order.shipped', 'order:1'],
    ]);
    const child = spawnDispatcherChild({
      pgUrl: env.databaseUrl!,
      dataDir: env.config.dataDir,
      timeoutMs: 1_000,
      leaseMs: 1_500,
      // One delivery at a time, so exactly one is in flight when it dies.
      concurrency: 1,
      killAt: how === 'in-request' ? undefined : how,
    });
    if (how === 'in-request') {
      await rx.waitForRequests(1, 60_000);
      child.kill();
    }
    const exit = await child.exited;
    expect(exit.signal, `the child should have been killed: ${child.stderr()}`).toBe('SIGKILL');
    childAlive = false;
    const leased = await env.ops.db
      .selectFrom('webhook_deliveries')
      .select(['status', 'lease_until'])
      .where('webhook_id', '=', id)
      .where('status', '=', 'delivering')
      .execute();
    expect(leased.length, 'the killed dispatcher left its delivery leased').toBeGreaterThan(0);

    await instance();
    await eventually(async () => {
      const rows = await env.ops.db
        .selectFrom('webhook_deliveries')
        .select('status')
        .where('webhook_id', '=', id)
        .execute();
      return rows.length === ids.length && rows.every((r) => r.status === 'succeeded');
    }, `every delivery succeeded after the crash (${how})`);
    const acked = rx.acknowledged();
    expect(new Set(acked.map((r) => r.id))).toEqual(new Set(ids.map((i) => `evt_${i}`)));
    for (const [entity, order] of idsPerEntity(acked))
      expect(nonDecreasing(order), `${entity}: ${order.join(',')}`).toBe(true);
    return { rx, ids };
  }

  it('a dispatcher killed with a delivery leased but not sent loses nothing', async () => {
    const { rx, ids } = await crashAndRecover('picked');
    expect(rx.received.map((r) => r.id).sort()).toEqual(ids.map((i) => `evt_${i}`).sort());
  });

  it('a dispatcher killed while the receiver holds its request loses nothing', async () => {
    const { rx } = await crashAndRecover('in-request');
    // The request the receiver held was never answered; it came again and was taken.
    const first = rx.received[0]!;
    expect(first.status).toBeUndefined();
    expect(rx.acknowledged().filter((r) => r.id === first.id)).toHaveLength(1);
  });

  it('a dispatcher killed after the answer, before recording it, sends it again (at least once)', async () => {
    const { rx } = await crashAndRecover('sent');
    const ids = rx.received.map((r) => r.id);
    const twice = ids.filter((x, i) => ids.indexOf(x) !== i);
    expect(twice, 'the answered but unrecorded delivery comes again, once').toEqual([ids[0]]);
  });
});

/**
 * GET /api/v1/events/stream over real HTTP, with the server's background (the event hub) as
 * `salesops start` runs it: a client that drops and reconnects with Last-Event-ID while writers
 * commit concurrently gets exactly the events it missed; heartbeats come on a quiet stream; a
 * consumer that stops reading is cut off with a final message instead of growing the server's
 * memory, and resumes from it; a revoked key's stream ends; scoping and the type filter hold;
 * shutting down ends open streams. And without a hub, the stream polls.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiKey } from '../api/auth/service.ts';
import { recordEvents } from '../api/events/outbox.ts';
import { insertCustomer, seedTeams, type TeamWorld } from './crm-fixtures.ts';
import { emit, orderCreated } from './support/events.ts';
import { describeBoth, startTestEnv, type DbKind, type TestEnv } from './support/harness.ts';
import { eventsOf, openStalledStream, openStream, type SseMessage } from './support/sse.ts';

const STREAM = '/api/v1/events/stream';

/** The newest published id (the hub publishes on its own; this reads what it reached). */
async function lastId(env: TestEnv): Promise<number> {
  const r = await env.ops.db.selectFrom('event_counter').select('last').executeTakeFirstOrThrow();
  return Number(r.last);
}

const isCutoff = (m: SseMessage) => m.event === 'cutoff';

describeBoth('events: the stream', (kind: DbKind) => {
  let env: TestEnv;
  let world: TeamWorld;

  beforeAll(async () => {
    env = await startTestEnv(kind, {
      jobs: true,
      env: {
        SALESOPS_SCHEDULER: 'off',
        SALESOPS_EVENT_HEARTBEAT_SECONDS: '0.2',
        SALESOPS_EVENT_STREAM_BUFFER_KB: '64',
        SALESOPS_EVENT_STREAM_STALL_SECONDS: '1',
      },
    });
    world = await seedTeams(env);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('answers text/event-stream: id, event type, the event as JSON', async () => {
    const c = await insertCustomer(env, { owner: null });
    const start = await lastId(env);
    const s = await openStream(env, `${STREAM}?after=${start}`);
    expect(s.status).toBe(200);
    expect(s.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(s.headers.get('cache-control')).toContain('no-cache');
    const [id] = await emit(env, [orderCreated(42, c)]);
    const m = await s.waitFor((x) => x.id === String(id));
    s.close();
    expect(m.event).toBe('order.created');
    expect(JSON.parse(m.data!)).toMatchObject({
      id,
      type: 'order.created',
      entityType: 'order',
      entityId: '42',
      customerId: c,
      payload: { id: 42, status: 'draft' },
    });
  });

  it('a reconnect with Last-Event-ID gets exactly the missed events while writers commit', async () => {
    const c = await insertCustomer(env, { owner: null });
    const start = await lastId(env);
    const first = await openStream(env, `${STREAM}?after=${start}&types=order.*`);
    // Four writers, 40 transactions each of one to three events; some hold their transaction
    // open a while, so commits land out of insert order.
    let n = 0;
    let writing = true;
    const writer = async (w: number) => {
      for (let t = 0; t < 40; t++) {
        await env.ops.db.transaction().execute(async (trx) => {
          const count = 1 + ((w + t) % 3);
          await recordEvents(
            trx,
            Array.from({ length: count }, () => orderCreated(100_000 + ++n, c)),
          );
          if ((w + t) % 5 === 0) await sleep(15);
        });
        env.ctx.events!.written(); // as the API does once a write has committed
        await sleep(t % 4);
      }
    };
    const writers = Promise.all([0, 1, 2, 3].map(writer)).finally(() => (writing = false));

    // Drop the first connection after some events, while the writers go on.
    await first.waitFor((_m, all) => eventsOf(all).length >= 20);
    first.close();
    await first.ended;
    const before = eventsOf(first.messages);
    expect(writing).toBe(true);
    const resumeAt = before[before.length - 1]!.id;
    await sleep(50);
    const second = await openStream(env, `${STREAM}?after=${start}&types=order.*`, {
      headers: { 'last-event-id': String(resumeAt) },
    });
    await writers;
    // Every event written, as GET /events lists them (which publishes what the hub has not yet).
    const written: number[] = [];
    let cursor = '';
    do {
      const page = await env.request(
        'GET',
        `/api/v1/events?after=${start}&types=order.*&limit=500${cursor}`,
      );
      written.push(...page.body.items.map((i: { id: number }) => i.id));
      cursor = page.body.nextCursor ? `&cursor=${page.body.nextCursor}` : '';
    } while (cursor);
    expect(written.length).toBe(n);
    const newest = written[written.length - 1]!;
    await second.waitFor((m) => m.id === String(newest), 15_000);
    second.close();
    const after = eventsOf(second.messages);
    // None lost, none twice: the two connections together are the list, in order.
    expect([...before, ...after].map((e) => e.id)).toEqual(written);
    expect(after[0]!.id).toBeGreaterThan(resumeAt);
  });

  it('heartbeats on a quiet stream', async () => {
    const s = await openStream(env, STREAM);
    await s.waitFor((_m, all) => all.filter((x) => x.comment === 'heartbeat').length >= 2, 5_000);
    s.close();
    expect(eventsOf(s.messages)).toEqual([]);
  });

  it("scopes the stream like the list: a manager hears their team's events only", async () => {
    const cN = await insertCustomer(env, { owner: world.reps.n1 });
    const cS = await insertCustomer(env, { owner: world.reps.s1 });
    const s = await openStream(env, STREAM, { key: world.keys.managerN });
    await s.waitFor((m) => m.comment?.startsWith('events after') ?? false);
    const [south, north, low, jobFailed] = await emit(env, [
      orderCreated(200_001, cS),
      orderCreated(200_002, cN),
      { type: 'stock.low', entity: { type: 'stock_level', id: '3:1' }, payload: {} },
      { type: 'job.failed', entity: { type: 'job_run', id: 9 }, payload: {} },
    ]);
    const last = await emit(env, [orderCreated(200_003, cN)]);
    await s.waitFor((m) => m.id === String(last[0]));
    s.close();
    const ids = eventsOf(s.messages).map((e) => e.id);
    expect(ids).toEqual([north, low, jobFailed, last[0]]);
    expect(ids).not.toContain(south);
    // Staff do not hear job failures; a type filter narrows further.
    const staff = await openStream(env, `${STREAM}?after=${south! - 1}&types=stock.low,order.*`, {
      key: world.keys.staffN1,
    });
    await staff.waitFor((m) => m.id === String(last[0]));
    staff.close();
    expect(eventsOf(staff.messages).map((e) => e.id)).toEqual([north, low, last[0]]);
  });

  it('cuts off a consumer that stops reading, with a final message to resume from', async () => {
    const c = await insertCustomer(env, { owner: null });
    const start = await lastId(env);
    // About 8 MB of events: more than the socket buffers between server and client hold.
    const padding = 'x'.repeat(1500);
    let written: number[] = [];
    for (let b = 0; b < 5; b++)
      written = written.concat(
        await emit(
          env,
          Array.from({ length: 1000 }, (_, i) => ({
            ...orderCreated(300_000 + b * 1000 + i, c),
            payload: { padding },
          })),
        ),
      );
    const streams = env.ctx.events!.subscriberCount;
    const stalled = await openStalledStream(env, `${STREAM}?after=${start}`);
    expect(stalled.status).toBe(200);
    // The stream subscribes, fills the buffers, waits a second for the client, and gives up.
    for (let i = 0; env.ctx.events!.subscriberCount <= streams && i < 100; i++) await sleep(20);
    for (let i = 0; env.ctx.events!.subscriberCount > streams; i++) {
      if (i > 500) throw new Error('the stalled stream was never cut off');
      await sleep(20);
    }
    const got = await stalled.readAll();
    const last = got[got.length - 1]!;
    expect(last.event).toBe('cutoff');
    expect(last.id).toBeUndefined();
    const cutoff = JSON.parse(last.data!);
    const sent = eventsOf(got).map((e) => e.id);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.length).toBeLessThan(written.length);
    expect(sent).toEqual(written.slice(0, sent.length));
    expect(cutoff).toMatchObject({ reason: 'slow-consumer', lastEventId: sent[sent.length - 1] });
    expect(cutoff.detail).toContain(`Last-Event-ID: ${cutoff.lastEventId}`);

    // Resuming where it said gets the rest, exactly.
    const rest = await openStream(env, STREAM, {
      headers: { 'last-event-id': String(cutoff.lastEventId) },
    });
    await rest.waitFor((m) => m.id === String(written[written.length - 1]), 20_000);
    rest.close();
    expect([...sent, ...eventsOf(rest.messages).map((e) => e.id)]).toEqual(written);
  });

  it('ends the stream of a key revoked while it listens', async () => {
    const { key, id } = await createApiKey(env.ops.db, { name: 'listener', role: 'analyst' });
    const s = await openStream(env, STREAM, { key });
    await s.waitFor((m) => m.comment === 'heartbeat');
    const revoke = await env.request('DELETE', `/api/v1/api-keys/${id}`);
    expect(revoke.status, revoke.text).toBe(204);
    const end = await s.waitFor(isCutoff, 5_000);
    await s.ended;
    expect(JSON.parse(end.data!)).toMatchObject({ reason: 'signed-out' });
  });
});

describeBoth('events: the stream without a hub', (kind: DbKind) => {
  let env: TestEnv;
  beforeAll(async () => {
    // No background: nothing publishes but the readers themselves.
    env = await startTestEnv(kind);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('publishes and reads on its own poll', async () => {
    const s = await openStream(env, STREAM);
    await s.waitFor((m) => m.comment?.startsWith('events after') ?? false);
    await env.ops.db.transaction().execute((trx) => recordEvents(trx, [orderCreated(1)]));
    const m = await s.waitFor((x) => x.event === 'order.created', 5_000);
    s.close();
    expect(JSON.parse(m.data!).entityId).toBe('1');
  });
});

describeBoth('events: shutting down', (kind: DbKind) => {
  it('ends open streams with a final message, so the server stops at once', async () => {
    const env = await startTestEnv(kind, { jobs: true, env: { SALESOPS_SCHEDULER: 'off' } });
    const s = await openStream(env, STREAM);
    await s.waitFor((m) => m.comment?.startsWith('events after') ?? false);
    const started = Date.now();
    await env.close();
    expect(Date.now() - started).toBeLessThan(10_000);
    const end = s.messages.find(isCutoff);
    expect(end && JSON.parse(end.data!)).toMatchObject({ reason: 'shutting-down' });
  });
});

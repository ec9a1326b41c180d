/**
 * What the dispatcher does when delivery goes wrong, on both databases, each case with a
 * dispatcher of its own (short retries, its own thresholds) against a real receiver: a delivery
 * whose retries run out is dead and no longer holds back its entity; a webhook that keeps
 * failing is disabled with an alert and a webhook.disabled event, and resumes when enabled;
 * redirects are not followed; a receiver that does not answer times out; a private address is
 * refused at delivery too; a key other than the one that stored the secret cannot sign.
 */
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { WebhookDispatcher, type DispatcherOptions } from '../api/webhooks/dispatcher.ts';
import { loggedUrl } from '../api/webhooks/logged-url.ts';
import { loadWebhookKey } from '../api/webhooks/secret-key.ts';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import { emitEvents, eventually } from './support/webhook-events.ts';
import { startReceiver, type Answer, type Receiver } from './support/webhook-receiver.ts';

describeBoth('webhook failures', (kind) => {
  let env: TestEnv;
  const running: { dispatcher?: WebhookDispatcher; receivers: Receiver[]; webhooks: number[] } = {
    receivers: [],
    webhooks: [],
  };
  beforeAll(async () => {
    // The API accepts 127.0.0.1 here; each dispatcher below decides for itself.
    env = await startTestEnv(kind, { env: { SALESOPS_WEBHOOK_ALLOW_PRIVATE: 'true' } });
  });
  afterEach(async () => {
    await running.dispatcher?.close();
    running.dispatcher = undefined;
    for (const r of running.receivers.splice(0)) await r.close();
    // Each case's webhook goes, so the next case's dispatcher does not serve it.
    for (const id of running.webhooks.splice(0))
      await env.request('DELETE', `/api/v1/webhooks/${id}`);
  });
  afterAll(async () => {
    await env?.close();
  });

  async function receiver(answer: (r: any, attempt: number) => Answer): Promise<Receiver> {
    const r = await startReceiver(answer);
    running.receivers.push(r);
    return r;
  }

  async function webhookTo(url: string, eventTypes = ['order.*']): Promise<number> {
    const r = await env.request('POST', '/api/v1/webhooks', { body: { url, eventTypes } });
    expect(r.status, r.text).toBe(201);
    running.webhooks.push(r.body.id);
    return r.body.id;
  }

  function dispatch(options: Partial<DispatcherOptions> = {}): WebhookDispatcher {
    const d = new WebhookDispatcher(env.ops.db, pino({ level: 'silent' }), {
      allowPrivate: true,
      key: () => loadWebhookKey(env.config),
      retryBaseMs: 20,
      retryWindowMs: 60_000,
      disableFailures: 1_000,
      disableAfterMs: 0,
      pollMs: 25,
      ...options,
    });
    running.dispatcher = d;
    d.start();
    return d;
  }

  const deliveriesOf = async (webhookId: number) =>
    (await env.request('GET', `/api/v1/webhooks/${webhookId}/deliveries?limit=500`)).body.items;

  it('a delivery whose retries run out is dead, and the next event of its entity then goes', async () => {
    let poison = 0;
    const rx = await receiver((r) =>
      r.event.id === poison ? { status: 422, body: 'cannot take this one' } : { status: 200 },
    );
    const id = await webhookTo(rx.url);
    poison = (await emitEvents(env.ops, [['order.created', 'order:1']]))[0]!;
    const [, later] = await emitEvents(env.ops, [
      ['order.created', 'order:2'],
      ['order.confirmed', 'order:1'],
    ]);
    dispatch({ retryWindowMs: 400 });
    await rx.waitForAcks(2);
    // The receiver answers before the dispatcher records the answer: wait for the records.
    const byEvent = await eventually(async () => {
      const items = await deliveriesOf(id);
      const finished = items.every((d: any) => d.status === 'succeeded' || d.status === 'dead');
      return finished ? new Map<number, any>(items.map((d: any) => [d.eventId, d])) : undefined;
    }, 'all three deliveries finished');
    const dead = byEvent.get(poison);
    expect(dead.status).toBe('dead');
    expect(dead.attemptCount).toBeGreaterThanOrEqual(2);
    expect(dead.lastStatusCode).toBe(422);
    expect(dead.lastResponse).toBe('cannot take this one');
    expect(dead.finishedAt).toEqual(expect.any(String));
    // order:1's second event waited for the first to go dead, then went.
    const poisonAt = rx.received.map((r) => r.event.id).lastIndexOf(poison);
    const laterAt = rx.received.findIndex((r) => r.event.id === later);
    expect(laterAt).toBeGreaterThan(poisonAt);
    // One event it cannot take does not disable a webhook that takes the others.
    const w = (await env.request('GET', `/api/v1/webhooks/${id}`)).body;
    expect(w).toMatchObject({ active: true, consecutiveFailures: 0 });
  });

  it('a webhook that keeps failing is disabled, with an alert and an event; enabled, it resumes', async () => {
    let up = false;
    const rx = await receiver(() => (up ? { status: 204 } : { status: 503, body: 'down' }));
    const id = await webhookTo(rx.url);
    const [eventId] = await emitEvents(env.ops, [['order.created', 'order:7']]);
    dispatch({ disableFailures: 3, disableAfterMs: 0 });
    const disabled = await eventually(async () => {
      const w = (await env.request('GET', `/api/v1/webhooks/${id}`)).body;
      return w.active ? undefined : w;
    }, 'the webhook disabled');
    expect(disabled.disabledReason).toMatch(
      /^3 attempts in a row failed since .*; the last: HTTP 503$/,
    );
    expect(disabled.disabledAt).toEqual(expect.any(String));
    const alerts = await env.request('GET', '/api/v1/alerts?open=true');
    const alert = alerts.body.items.find((a: any) => a.kind === 'webhook.disabled');
    expect(alert.payload).toMatchObject({ webhookId: id, url: loggedUrl(rx.url) });
    expect(alert.payload.url).not.toBe(rx.url);
    expect(alert.message).toContain(`webhook ${id}`);
    const events = await env.ops.db
      .selectFrom('events')
      .select(['entity_id', 'payload'])
      .where('type', '=', 'webhook.disabled')
      .execute();
    expect(events).toEqual([
      { entity_id: String(id), payload: expect.objectContaining({ id, active: false }) },
    ]);
    // Nothing more is sent to it while it is disabled.
    const sent = rx.received.length;
    expect(sent).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(rx.received.length).toBe(sent);
    const pending = (await deliveriesOf(id))[0];
    expect(pending).toMatchObject({ eventId, status: 'pending', attemptCount: 3 });

    up = true;
    const on = await env.request('PATCH', `/api/v1/webhooks/${id}`, { body: { active: true } });
    expect(on.body).toMatchObject({ active: true, disabledReason: null, consecutiveFailures: 0 });
    await rx.waitForAcks(1);
    await eventually(
      async () => (await deliveriesOf(id))[0].status === 'succeeded',
      'the delivery through after enabling',
    );
  });

  it('does not follow redirects: a 3xx fails and says where it pointed', async () => {
    const elsewhere = await receiver(() => ({ status: 200 }));
    const rx = await receiver(() => ({ status: 302, headers: { location: elsewhere.url } }));
    const id = await webhookTo(rx.url);
    await emitEvents(env.ops, [['order.created', 'order:8']]);
    dispatch({ retryBaseMs: 60_000 });
    const [d] = await eventually(async () => {
      const list = await deliveriesOf(id);
      return list[0]?.attemptCount === 1 && list[0].status === 'pending' ? list : undefined;
    }, 'the first attempt recorded');
    expect(d.lastStatusCode).toBe(302);
    expect(d.lastError).toBe(`redirects are not followed (HTTP 302 to ${elsewhere.url})`);
    expect(elsewhere.received).toEqual([]);
  });

  it('gives a receiver that does not answer its timeout, then fails the attempt', async () => {
    const rx = await receiver(() => undefined); // holds every request open
    const id = await webhookTo(rx.url);
    await emitEvents(env.ops, [['order.created', 'order:9']]);
    dispatch({ timeoutMs: 300, retryBaseMs: 60_000 });
    const [d] = await eventually(async () => {
      const list = await deliveriesOf(id);
      return list[0]?.lastError ? list : undefined;
    }, 'the attempt timed out');
    expect(d).toMatchObject({
      status: 'pending',
      lastStatusCode: null,
      lastError: 'no answer within 0.3 s',
    });
    expect(d.lastLatencyMs).toBeGreaterThanOrEqual(250);
    expect(rx.received).toHaveLength(1);
  });

  it('refuses a private address at delivery too, without the flag: nothing is sent', async () => {
    const rx = await receiver(() => ({ status: 200 }));
    const id = await webhookTo(rx.url); // accepted: this server has the flag
    await emitEvents(env.ops, [['order.created', 'order:10']]);
    dispatch({ allowPrivate: false, retryBaseMs: 60_000 });
    const [d] = await eventually(async () => {
      const list = await deliveriesOf(id);
      return list[0]?.lastError ? list : undefined;
    }, 'the attempt refused');
    expect(d.lastError).toMatch(
      /^refused: 127\.0\.0\.1 resolves to 127\.0\.0\.1, a private, loopback or link-local address/,
    );
    expect(d.lastStatusCode).toBeNull();
    expect(rx.received).toEqual([]);
  });

  it('cannot sign with another key than the one that stored the secret, and says so', async () => {
    const rx = await receiver(() => ({ status: 200 }));
    const id = await webhookTo(rx.url);
    await emitEvents(env.ops, [['order.created', 'order:11']]);
    dispatch({ key: () => randomBytes(32), retryBaseMs: 60_000 });
    const [d] = await eventually(async () => {
      const list = await deliveriesOf(id);
      return list[0]?.lastError ? list : undefined;
    }, 'the attempt failed');
    expect(d.lastError).toMatch(/must share SALESOPS_WEBHOOK_KEY/);
    expect(rx.received).toEqual([]);
  });
});

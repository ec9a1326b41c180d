/**
 * Webhook delivery end to end on both databases, through the server's own background (the
 * dispatcher jobs/start.ts runs beside the event hub): a real receiver on 127.0.0.1 that fails
 * every message twice and then takes it gets each event once, signed so that the docs' snippet
 * verifies it, in order per entity; the deliveries list shows every attempt; a redelivery sends
 * the same bytes with the same webhook-id. Failure rules (dead, disabled, redirects, timeouts,
 * private addresses at delivery): webhooks-failures.test.ts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateSecret } from '../api/webhooks/secret.ts';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import {
  emitEvents,
  eventually,
  idsPerEntity,
  nonDecreasing,
  type TestEvent,
} from './support/webhook-events.ts';
import { startReceiver, type Receiver } from './support/webhook-receiver.ts';
import { loadVerifySnippet, type VerifyWebhook } from './support/webhook-snippet.ts';

describeBoth('webhook delivery', (kind) => {
  let env: TestEnv;
  let receiver: Receiver;
  let verifyWebhook: VerifyWebhook;
  let webhook: { id: number; secret: string };
  let eventIds: number[];
  beforeAll(async () => {
    env = await startTestEnv(kind, {
      jobs: true,
      env: {
        SALESOPS_SCHEDULER: 'off',
        SALESOPS_WEBHOOK_ALLOW_PRIVATE: 'true',
        SALESOPS_WEBHOOK_RETRY_BASE_SECONDS: '0.05',
      },
    });
    verifyWebhook = await loadVerifySnippet();
    // Every message fails twice (500, then a 503), then is taken.
    receiver = await startReceiver((_r, attempt) =>
      attempt === 1
        ? { status: 500, body: 'not now' }
        : attempt === 2
          ? { status: 503, body: 'still not' }
          : { status: 200, body: '{"ok":true}' },
    );
  });
  afterAll(async () => {
    await env?.close();
    await receiver?.close();
  });

  it('a receiver that fails twice then succeeds gets each event once, signed, in order per entity', async () => {
    await emitEvents(env.ops, [['order.created', 'order:999']]); // before the webhook: not sent
    const r = await env.request('POST', '/api/v1/webhooks', {
      body: { url: receiver.url, eventTypes: ['order.*', 'stock.low'] },
    });
    expect(r.status, r.text).toBe(201);
    webhook = r.body;
    // Three orders' lives interleaved over several commits, and events it does not take.
    const rounds: TestEvent[][] = [
      [
        ['order.created', 'order:1'],
        ['order.created', 'order:2'],
        ['customer.created', 'customer:5'],
      ],
      [
        ['order.confirmed', 'order:2'],
        ['order.created', 'order:3'],
        ['order.confirmed', 'order:1'],
        ['stock.low', 'product:9'],
      ],
      [
        ['order.shipped', 'order:1'],
        ['order.confirmed', 'order:3'],
        ['stock.restored', 'product:9'],
      ],
      [
        ['order.shipped', 'order:2'],
        ['order.delivered', 'order:1'],
      ],
    ];
    eventIds = [];
    for (const round of rounds) {
      const ids = await emitEvents(env.ops, round);
      eventIds.push(...ids.filter((_, i) => /^(order\.|stock\.low)/.test(round[i]![0])));
    }
    expect(eventIds).toHaveLength(10);
    await receiver.waitForAcks(10);

    const acked = receiver.acknowledged();
    expect(acked.map((a) => a.id).sort()).toEqual(eventIds.map((id) => `evt_${id}`).sort());
    expect(new Set(acked.map((a) => a.id)).size, 'each event acknowledged once').toBe(10);
    expect(receiver.received).toHaveLength(30); // 10 events × (500, 503, 200)

    // Every request — failed attempts too — is signed so the docs' snippet accepts it.
    for (const req of receiver.received) {
      const headers = {
        'webhook-id': req.id,
        'webhook-timestamp': req.timestamp,
        'webhook-signature': req.signature,
      };
      expect(verifyWebhook(webhook.secret, headers, req.body), req.id).toBe(true);
      expect(verifyWebhook(generateSecret(), headers, req.body)).toBe(false);
      expect(req.id).toBe(`evt_${req.event.id}`);
    }
    // The body is the event as the feed shows it.
    for (const id of eventIds) {
      const feed = await env.request('GET', `/api/v1/events?after=${id - 1}&limit=1`);
      const got = acked.find((a) => a.event.id === id)!;
      expect(feed.body.items[0].id).toBe(id);
      expect(JSON.parse(got.body)).toEqual(feed.body.items[0]);
    }
    expect(acked[0]!.event).toMatchObject({
      entityType: expect.any(String),
      schemaVersion: 1,
      actor: { keyId: null, userId: null, name: null },
      customerId: null,
      payload: { note: 'ünïcode ✓' },
    });

    // Per entity: no event went out before the one before it was taken, retries included.
    const perEntity = idsPerEntity(receiver.received);
    expect([...perEntity.keys()].sort()).toEqual(['order:1', 'order:2', 'order:3', 'product:9']);
    for (const [entity, ids] of perEntity)
      expect(nonDecreasing(ids), `${entity}: ${ids.join(',')}`).toBe(true);
    for (const [entity, ids] of idsPerEntity(acked))
      expect(ids, entity).toEqual([...ids].sort((a, b) => a - b));
    expect(perEntity.get('order:1')).toHaveLength(12);
  });

  it('lists each delivery with its attempts: status codes, latencies, response snippets', async () => {
    const all = await eventually(async () => {
      const r = await env.request('GET', `/api/v1/webhooks/${webhook.id}/deliveries?limit=500`);
      return r.body.items.length === 10 &&
        r.body.items.every((d: { status: string }) => d.status === 'succeeded')
        ? r.body
        : undefined;
    }, 'every delivery recorded as succeeded');
    expect(all.nextCursor).toBeNull();
    const ids = all.items.map((d: { id: number }) => d.id);
    expect(ids).toEqual([...ids].sort((a: number, b: number) => b - a)); // newest first
    for (const d of all.items) {
      expect(d).toMatchObject({
        webhookId: webhook.id,
        status: 'succeeded',
        attemptCount: 3,
        lastStatusCode: 200,
        lastResponse: '{"ok":true}',
        lastError: null,
        nextAttemptAt: null,
      });
      expect(eventIds).toContain(d.eventId);
      expect(d.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 503, 200]);
      expect(d.attempts.map((a: { response: string }) => a.response)).toEqual([
        'not now',
        'still not',
        '{"ok":true}',
      ]);
      expect(d.attempts.map((a: { error: string | null }) => a.error)).toEqual([
        'HTTP 500',
        'HTTP 503',
        null,
      ]);
      for (const a of d.attempts) {
        expect(a.latencyMs).toBeGreaterThanOrEqual(0);
        expect(a.latencyMs).toBeLessThan(10_000);
      }
      expect(d.attempts.map((a: { attempt: number }) => a.attempt)).toEqual([1, 2, 3]);
    }
    // Pages of 4 cover the same deliveries, once each.
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : '';
      const page = await env.request(
        'GET',
        `/api/v1/webhooks/${webhook.id}/deliveries?limit=4${q}`,
      );
      seen.push(...page.body.items.map((d: { id: number }) => d.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids);
    const none = await env.request('GET', `/api/v1/webhooks/${webhook.id}/deliveries?status=dead`);
    expect(none.body.items).toEqual([]);
  });

  it('redelivers a delivery: the same webhook-id and bytes, newly signed', async () => {
    const list = await env.request('GET', `/api/v1/webhooks/${webhook.id}/deliveries?limit=1`);
    const delivery = list.body.items[0];
    const before = receiver.received.filter((r) => r.id === `evt_${delivery.eventId}`);
    const r = await env.request(
      'POST',
      `/api/v1/webhooks/${webhook.id}/deliveries/${delivery.id}/redeliver`,
    );
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ id: delivery.id, status: 'pending', attemptCount: 3 });
    await receiver.waitForAcks(11);
    const again = receiver.received.filter((x) => x.id === `evt_${delivery.eventId}`);
    expect(again).toHaveLength(before.length + 1);
    const last = again[again.length - 1]!;
    expect(last.body).toBe(before[0]!.body);
    expect(
      verifyWebhook(
        webhook.secret,
        {
          'webhook-id': last.id,
          'webhook-timestamp': last.timestamp,
          'webhook-signature': last.signature,
        },
        last.body,
      ),
    ).toBe(true);
    const after = await eventually(async () => {
      const d = (await env.request('GET', `/api/v1/webhooks/${webhook.id}/deliveries?limit=1`)).body
        .items[0];
      return d.status === 'succeeded' && d.attemptCount === 4 ? d : undefined;
    }, 'the redelivery recorded');
    expect(after.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([
      500, 503, 200, 200,
    ]);
    const events = await env.ops.db
      .selectFrom('events')
      .select(['type', 'entity_type', 'entity_id', 'payload'])
      .where('type', '=', 'webhook_delivery.requeued')
      .execute();
    expect(events).toEqual([
      {
        type: 'webhook_delivery.requeued',
        entity_type: 'webhook_delivery',
        entity_id: String(delivery.id),
        payload: r.body,
      },
    ]);
  });
  it("sends the API's own events with who did them: webhook.* to a webhook that takes them", async () => {
    const other = await startReceiver();
    try {
      const created = await env.request('POST', '/api/v1/webhooks', {
        body: { url: other.url, eventTypes: ['webhook.*'] },
      });
      expect(created.status).toBe(201);
      const patched = await env.request('PATCH', `/api/v1/webhooks/${webhook.id}`, {
        body: { description: 'renamed' },
      });
      expect(patched.status).toBe(200);
      // Its own creation too: that event was committed with it, after its starting point.
      // (Two entities: they may arrive in either order.)
      await other.waitForAcks(2);
      const byType = new Map(other.acknowledged().map((r) => [r.event.type, r]));
      expect([...byType.keys()].sort()).toEqual(['webhook.created', 'webhook.updated']);
      expect(byType.get('webhook.created')!.event.entityId).toBe(String(created.body.id));
      const key = await env.ops.db
        .selectFrom('api_keys')
        .select('id')
        .where('name', '=', 'test-admin')
        .executeTakeFirstOrThrow();
      const got = byType.get('webhook.updated');
      expect(got!.event).toMatchObject({
        type: 'webhook.updated',
        entityType: 'webhook',
        entityId: String(webhook.id),
        actor: { keyId: key.id, userId: null, name: 'test-admin' },
        payload: { id: webhook.id, description: 'renamed' },
      });
      expect(got!.body).not.toContain(webhook.secret.slice(6));
    } finally {
      await other.close();
    }
  });
});

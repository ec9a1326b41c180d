/**
 * Rotating a webhook's secret, on both databases, through the server's own dispatcher and the
 * docs' verification snippet: after a rotation every delivery carries two signatures, so a
 * receiver still on the old secret and one already on the new both accept it, until the old
 * one's time is up; `previousSecretHours: 0` stops the old one at once (a leaked secret); a
 * secret two rotations old never signs; a bad `previousSecretHours` is a 400 naming it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import { emitEvents } from './support/webhook-events.ts';
import { startReceiver, type Receiver } from './support/webhook-receiver.ts';
import { loadVerifySnippet, type VerifyWebhook } from './support/webhook-snippet.ts';

describeBoth('webhook secret rotation', (kind) => {
  let env: TestEnv;
  let receiver: Receiver;
  let verifyWebhook: VerifyWebhook;
  beforeAll(async () => {
    env = await startTestEnv(kind, {
      jobs: true,
      env: { SALESOPS_SCHEDULER: 'off', SALESOPS_WEBHOOK_ALLOW_PRIVATE: 'true' },
    });
    verifyWebhook = await loadVerifySnippet();
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await env?.close();
    await receiver?.close();
  });

  /** Emit one event and return the request that delivered it. */
  async function deliverOne(entity: string) {
    const [id] = await emitEvents(env.ops, [['order.updated', entity]]);
    await env.ctx.events!.wake();
    await receiver.waitForAcks(receiver.acknowledged().length + 1);
    const req = receiver.acknowledged().find((r) => r.event.id === id)!;
    const headers = {
      'webhook-id': req.id,
      'webhook-timestamp': req.timestamp,
      'webhook-signature': req.signature,
    };
    return { req, accepts: (secret: string) => verifyWebhook(secret, headers, req.body) };
  }

  it('signs with the old secret too until its time is up, and stops at once when told', async () => {
    const created = await env.request('POST', '/api/v1/webhooks', {
      body: { url: receiver.url, eventTypes: ['order.*'] },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id;
    const first = created.body.secret as string;
    expect(created.body.previousSecretExpiresAt).toBeNull();
    const before = await deliverOne('order:1');
    expect(before.req.signature.split(' ')).toHaveLength(1);
    expect(before.accepts(first)).toBe(true);

    // Rotated: the new secret signs, and the old one beside it for 24 hours.
    const rotated = await env.request('POST', `/api/v1/webhooks/${id}/rotate-secret`);
    expect(rotated.status, rotated.text).toBe(200);
    const second = rotated.body.secret as string;
    expect(second).not.toBe(first);
    const until = Date.parse(rotated.body.previousSecretExpiresAt);
    expect(until - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
    expect(until - Date.now()).toBeLessThanOrEqual(24 * 3_600_000);
    const during = await deliverOne('order:2');
    expect(during.req.signature.split(' ')).toHaveLength(2);
    expect([during.accepts(first), during.accepts(second)]).toEqual([true, true]);

    // Its time up (moved into the past here), only the new one signs.
    await env.ops.db
      .updateTable('webhooks')
      .set({ previous_secret_expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', id)
      .execute();
    const expired = await deliverOne('order:3');
    expect([expired.accepts(first), expired.accepts(second)]).toEqual([false, true]);

    // Rotated again with 0 hours: the old one stops at once, and the first never comes back.
    const leaked = await env.request('POST', `/api/v1/webhooks/${id}/rotate-secret`, {
      body: { previousSecretHours: 0 },
    });
    expect(leaked.status, leaked.text).toBe(200);
    expect(leaked.body.previousSecretExpiresAt).toBeNull();
    const third = leaked.body.secret as string;
    const after = await deliverOne('order:4');
    expect(after.req.signature.split(' ')).toHaveLength(1);
    expect([after.accepts(first), after.accepts(second), after.accepts(third)]).toEqual([
      false,
      false,
      true,
    ]);
  });

  it('refuses a previousSecretHours it cannot keep, naming it, and changes nothing', async () => {
    const created = await env.request('POST', '/api/v1/webhooks', {
      body: { url: receiver.url, eventTypes: ['nothing.*'] },
    });
    const before = await env.ops.db
      .selectFrom('webhooks')
      .select('secret_encrypted')
      .where('id', '=', created.body.id)
      .executeTakeFirstOrThrow();
    for (const bad of [-1, 1.5, 169, 'a day']) {
      const r = await env.request('POST', `/api/v1/webhooks/${created.body.id}/rotate-secret`, {
        body: { previousSecretHours: bad },
      });
      expect(r.status, String(bad)).toBe(400);
      expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(r.body.errors[0].field).toBe('previousSecretHours');
    }
    const after = await env.ops.db
      .selectFrom('webhooks')
      .select('secret_encrypted')
      .where('id', '=', created.body.id)
      .executeTakeFirstOrThrow();
    expect(after).toEqual(before);
  });
});

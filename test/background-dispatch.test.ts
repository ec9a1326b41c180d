/**
 * Who delivers webhooks: the server's background does; a one-off command's (`salesops jobs run`,
 * startBackground with dispatch: false) publishes events but leaves their delivery to the
 * server, so its exit never waits on a receiver.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBackground } from '../jobs/start.ts';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import { emitEvents } from './support/webhook-events.ts';
import { startReceiver, type Receiver } from './support/webhook-receiver.ts';

describeBoth('webhook delivery belongs to the server', (kind) => {
  let env: TestEnv;
  let receiver: Receiver;
  beforeAll(async () => {
    env = await startTestEnv(kind, {
      env: { SALESOPS_SCHEDULER: 'off', SALESOPS_WEBHOOK_ALLOW_PRIVATE: 'true' },
    });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await env?.close();
  });

  it("a command's background publishes but does not deliver; the server's delivers", async () => {
    const hook = await env.request('POST', '/api/v1/webhooks', {
      body: { url: receiver.url, eventTypes: ['order.*'] },
    });
    expect(hook.status, hook.text).toBe(201);
    const command = await startBackground(env.ctx, { dispatch: false });
    const [id] = await emitEvents(env.ops, [['order.created', 'order:1']]);
    await command.ctx.events!.wake();
    expect(command.ctx.events!.lastId).toBe(id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await command.close();
    expect(receiver.received).toEqual([]);

    const server = await startBackground(env.ctx);
    try {
      await receiver.waitForAcks(1);
      expect(receiver.acknowledged().map((r) => r.event.id)).toEqual([id]);
    } finally {
      await server.close();
    }
  });
});

/**
 * Retention of the webhook delivery log, on both databases: the cleanup job removes deliveries
 * finished more than SALESOPS_EVENT_RETENTION_DAYS ago with their attempts, keeps younger ones
 * and every open one whatever its age, and leaves no tombstone for the ingest (these tables
 * never reach the warehouse).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import { emitEvents, eventually } from './support/webhook-events.ts';
import { startReceiver, type Receiver } from './support/webhook-receiver.ts';

describeBoth('webhook delivery log retention', (kind) => {
  let env: TestEnv;
  let receiver: Receiver;
  beforeAll(async () => {
    env = await startTestEnv(kind, {
      jobs: true,
      env: { SALESOPS_SCHEDULER: 'off', SALESOPS_WEBHOOK_ALLOW_PRIVATE: 'true' },
    });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await env?.close();
  });

  async function runCleanup(): Promise<any> {
    const run = await env.request('POST', '/api/v1/jobs/cleanup/run');
    expect(run.status, run.text).toBe(202);
    return eventually(async () => {
      const r = (await env.request('GET', `/api/v1/jobs/runs/${run.body.id}`)).body;
      return r.status === 'queued' || r.status === 'running' ? undefined : r;
    }, 'the cleanup run');
  }

  it('removes finished deliveries older than the window with their attempts, and nothing else', async () => {
    const db = env.ops.db;
    const hook = await env.request('POST', '/api/v1/webhooks', {
      body: { url: receiver.url, eventTypes: ['order.*'] },
    });
    expect(hook.status, hook.text).toBe(201);
    const ids = await emitEvents(env.ops, [
      ['order.created', 'order:1'],
      ['order.created', 'order:2'],
      ['order.created', 'order:3'],
    ]);
    await env.ctx.events!.wake();
    const deliveries = await eventually(async () => {
      const rows = await db
        .selectFrom('webhook_deliveries')
        .select(['id', 'event_id', 'status'])
        .orderBy('event_id')
        .execute();
      return rows.length === 3 && rows.every((r) => r.status === 'succeeded') ? rows : undefined;
    }, 'three deliveries succeeded');
    const [old, young, open] = deliveries.map((d) => Number(d.id)) as [number, number, number];
    const longAgo = new Date(Date.now() - 100 * 86_400_000);
    await db
      .updateTable('webhook_deliveries')
      .set({ finished_at: longAgo })
      .where('id', '=', old)
      .execute();
    // An open delivery is kept whatever its age: the dispatcher still owes it.
    await db
      .updateTable('webhook_deliveries')
      .set({
        status: 'pending',
        finished_at: null,
        created_at: longAgo,
        next_attempt_at: new Date(Date.now() + 3_600_000),
      })
      .where('id', '=', open)
      .execute();
    const tombstones = async () =>
      Number(
        (
          await sql<{ n: string }>`SELECT count(*)::text AS n FROM deleted_rows
            WHERE table_name IN ('webhook_deliveries', 'webhook_attempts')`.execute(db)
        ).rows[0]!.n,
      );

    const done = await runCleanup();
    expect(done.status, JSON.stringify(done)).toBe('succeeded');
    expect(done.detail).toMatchObject({ webhookDeliveries: 1, webhookAttempts: 1 });
    const left = await db.selectFrom('webhook_deliveries').select('id').orderBy('id').execute();
    expect(left.map((r) => Number(r.id))).toEqual([young, open]);
    const attempts = await db.selectFrom('webhook_attempts').select('delivery_id').execute();
    expect(attempts.map((a) => Number(a.delivery_id)).sort()).toEqual([young, open].sort());
    expect(await tombstones()).toBe(0);
    // The API's list agrees, and the events themselves are untouched (younger than the window).
    const listed = await env.request('GET', `/api/v1/webhooks/${hook.body.id}/deliveries`);
    expect(listed.body.items.map((d: any) => d.eventId).sort()).toEqual([ids[1], ids[2]].sort());
    expect(
      await db.selectFrom('events').select('id').where('id', 'in', ids).execute(),
    ).toHaveLength(3);
  });
});

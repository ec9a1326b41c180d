/**
 * /api/v1/webhooks on both databases: the secret shown once and stored encrypted (never in a
 * list, the audit log or an event), bad input answered 400/404/409/422 naming the field, URLs
 * that resolve to private, loopback or link-local addresses refused without
 * SALESOPS_WEBHOOK_ALLOW_PRIVATE, a new webhook starting at the newest event, and the webhook.*
 * events of each write. Delivery itself: webhooks-delivery.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { recordEvents } from '../api/events/outbox.ts';
import { publishAll } from '../api/events/publish.ts';
import { decryptSecret } from '../api/webhooks/secret.ts';
import { KEY_FILE } from '../api/webhooks/secret-key.ts';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';

describeBoth('webhooks API', (kind) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv(kind);
  });
  afterAll(async () => {
    await env?.close();
  });

  const create = (body: unknown) => env.request('POST', '/api/v1/webhooks', { body });
  const fieldsOf = (r: { body: any }) =>
    (r.body.errors as { field: string }[] | undefined)?.map((e) => e.field);

  it('refuses URLs that resolve to private, loopback or link-local addresses (422 naming url)', async () => {
    for (const url of [
      'http://127.0.0.1:9/hook',
      'http://localhost:8080/',
      'http://[::1]/',
      'http://169.254.169.254/latest/meta-data/',
      'https://10.1.2.3/',
      'http://192.168.0.10/',
      'http://[::ffff:127.0.0.1]/',
      'http://0x7f000001/', // 127.0.0.1 in another spelling
    ]) {
      const r = await create({ url, eventTypes: ['order.*'] });
      expect(r.status, `${url}: ${r.text}`).toBe(422);
      expect(r.headers.get('content-type')).toMatch(/problem\+json/);
      expect(fieldsOf(r), url).toEqual(['url']);
      expect(r.body.detail).toMatch(/private, loopback or link-local/);
    }
    expect(await env.ops.db.selectFrom('webhooks').select('id').execute()).toEqual([]);
  });

  it('answers bad input 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ url: 'ftp://example.com/', eventTypes: ['*'] }, 'url'],
      [{ url: 'not a url', eventTypes: ['*'] }, 'url'],
      [{ url: 'https://user:pw@example.com/', eventTypes: ['*'] }, 'url'],
      [{ url: 'https://example.com/', eventTypes: [] }, 'eventTypes'],
      [{ url: 'https://example.com/', eventTypes: ['order.*', 'Order!'] }, 'eventTypes.1'],
      [{ url: 'https://example.com/' }, 'eventTypes'],
      [{ url: 'https://example.com/', eventTypes: ['*'], secret: 'mine' }, '(root)'],
    ];
    for (const [body, field] of cases) {
      const r = await create(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(r.body.errors), JSON.stringify(body)).toContain(`"field":"${field}"`);
    }
    const missing = await env.request('PATCH', '/api/v1/webhooks/999999', {
      body: { description: 'x' },
    });
    expect(missing.status).toBe(404);
  });

  it('creates a webhook: the secret is shown once, stored encrypted, and in no list, audit row or event', async () => {
    const r = await create({
      url: 'https://93.184.215.14/hook', // a public address: no DNS needed
      eventTypes: ['order.*', 'stock.low', 'order.*'],
      description: 'ERP',
    });
    expect(r.status, r.text).toBe(201);
    const { secret, ...webhook } = r.body;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(webhook).toMatchObject({
      url: 'https://93.184.215.14/hook',
      eventTypes: ['order.*', 'stock.low'],
      description: 'ERP',
      active: true,
      disabledReason: null,
      consecutiveFailures: 0,
    });
    const one = await env.request('GET', `/api/v1/webhooks/${webhook.id}`);
    expect(one.body).toEqual(webhook);
    const list = await env.request('GET', '/api/v1/webhooks');
    expect(list.body).toEqual({ items: [webhook], nextCursor: null });

    // Stored encrypted under the data folder's key file, which only its owner may read.
    const row = await env.ops.db
      .selectFrom('webhooks')
      .selectAll()
      .where('id', '=', webhook.id)
      .executeTakeFirstOrThrow();
    const keyFile = path.join(env.config.dataDir, KEY_FILE);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    const key = Buffer.from(fs.readFileSync(keyFile, 'utf8').trim(), 'base64');
    expect(decryptSecret(key, row.secret_encrypted)).toBe(secret);
    const body64 = secret.slice('whsec_'.length);
    const everywhere = JSON.stringify(
      await Promise.all([
        env.ops.db.selectFrom('webhooks').selectAll().execute(),
        env.ops.db.selectFrom('audit_log').selectAll().execute(),
        env.ops.db.selectFrom('events').selectAll().execute(),
        one.text,
        list.text,
      ]),
    );
    expect(everywhere).not.toContain(body64);
    expect(everywhere).not.toContain(body64.slice(0, 16));

    const events = await env.ops.db
      .selectFrom('events')
      .select(['type', 'entity_type', 'entity_id', 'payload'])
      .where('entity_type', '=', 'webhook')
      .execute();
    expect(events).toEqual([
      {
        type: 'webhook.created',
        entity_type: 'webhook',
        entity_id: String(webhook.id),
        // The URL as logs keep it (a URL is often a credential): origin and fingerprint.
        payload: {
          ...webhook,
          url: expect.stringMatching(/^https:\/\/93\.184\.215\.14\/… \(sha256 [0-9a-f]{8}\)$/),
        },
      },
    ]);
  });

  it('a new webhook starts at the newest event: it gets events from its creation on', async () => {
    await env.ops.db
      .transaction()
      .execute((trx) =>
        recordEvents(trx, [
          { type: 'order.created', entity: { type: 'order', id: 1 }, payload: { id: 1 } },
        ]),
      );
    const r = await create({ url: 'https://93.184.215.14/later', eventTypes: ['*'] });
    expect(r.status).toBe(201);
    await publishAll(env.ops.db);
    const row = await env.ops.db
      .selectFrom('webhooks')
      .select('last_event_id')
      .where('id', '=', r.body.id)
      .executeTakeFirstOrThrow();
    const older = await env.ops.db
      .selectFrom('events')
      .select('id')
      .where('type', '=', 'order.created')
      .executeTakeFirstOrThrow();
    expect(row.last_event_id).toBeGreaterThanOrEqual(older.id!);
    // Its own webhook.created event was committed with it, after the cursor.
    const own = await env.ops.db
      .selectFrom('events')
      .select('id')
      .where('type', '=', 'webhook.created')
      .where('entity_id', '=', String(r.body.id))
      .executeTakeFirstOrThrow();
    expect(own.id!).toBeGreaterThan(row.last_event_id);
  });

  it('patches, disables and enables, rotates the secret and deletes, each with its event', async () => {
    const created = (await create({ url: 'https://93.184.215.14/p', eventTypes: ['order.*'] }))
      .body;
    const id = created.id as number;
    const privateUrl = await env.request('PATCH', `/api/v1/webhooks/${id}`, {
      body: { url: 'http://127.0.0.1/x' },
    });
    expect(privateUrl.status).toBe(422);
    expect(fieldsOf(privateUrl)).toEqual(['url']);

    const off = await env.request('PATCH', `/api/v1/webhooks/${id}`, {
      body: { active: false, eventTypes: ['stock.*'] },
    });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({
      active: false,
      eventTypes: ['stock.*'],
      disabledReason: 'disabled by an admin',
    });
    expect(off.body.disabledAt).toEqual(expect.any(String));
    const on = await env.request('PATCH', `/api/v1/webhooks/${id}`, { body: { active: true } });
    expect(on.body).toMatchObject({ active: true, disabledReason: null, disabledAt: null });

    const rotated = await env.request('POST', `/api/v1/webhooks/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.secret);
    expect(rotated.body).toMatchObject({ id, url: created.url, active: true });

    const del = await env.request('DELETE', `/api/v1/webhooks/${id}`);
    expect(del.status).toBe(204);
    expect((await env.request('GET', `/api/v1/webhooks/${id}`)).status).toBe(404);
    expect((await env.request('GET', `/api/v1/webhooks/${id}/deliveries`)).status).toBe(404);
    expect((await env.request('DELETE', `/api/v1/webhooks/${id}`)).status).toBe(404);

    const types = await env.ops.db
      .selectFrom('events')
      .select('type')
      .where('entity_type', '=', 'webhook')
      .where('entity_id', '=', String(id))
      .orderBy('row_id')
      .execute();
    expect(types.map((t) => t.type)).toEqual([
      'webhook.created',
      'webhook.updated',
      'webhook.updated',
      'webhook.secret_rotated',
      'webhook.deleted',
    ]);
    const all = JSON.stringify(await env.ops.db.selectFrom('events').selectAll().execute());
    expect(all).not.toContain(rotated.body.secret.slice(6));
  });

  it('deliveries and redelivery name what is missing (404) and what is in the way (409)', async () => {
    const created = (await create({ url: 'https://93.184.215.14/d', eventTypes: ['order.*'] }))
      .body;
    const list = await env.request('GET', `/api/v1/webhooks/${created.id}/deliveries`);
    expect(list.body).toEqual({ items: [], nextCursor: null });
    const bad = await env.request('GET', `/api/v1/webhooks/${created.id}/deliveries?status=nope`);
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad)).toEqual(['status']);
    const none = await env.request(
      'POST',
      `/api/v1/webhooks/${created.id}/deliveries/999999/redeliver`,
    );
    expect(none.status).toBe(404);
    expect(none.body.detail).toMatch(/delivery 999999/);

    // A delivery the dispatcher has in flight cannot be requeued under it.
    const [delivery] = await env.ops.db
      .insertInto('webhook_deliveries')
      .values({
        webhook_id: created.id,
        event_id: 1,
        event_type: 'order.created',
        entity_key: 'order:1',
        status: 'delivering',
      })
      .returning('id')
      .execute();
    const busy = await env.request(
      'POST',
      `/api/v1/webhooks/${created.id}/deliveries/${delivery!.id}/redeliver`,
    );
    expect(busy.status).toBe(409);
    expect(fieldsOf(busy)).toEqual(['deliveryId']);
    await env.ops.db
      .updateTable('webhook_deliveries')
      .set({ status: 'dead', event_id: 987_654 })
      .where('id', '=', delivery!.id)
      .execute();
    const gone = await env.request(
      'POST',
      `/api/v1/webhooks/${created.id}/deliveries/${delivery!.id}/redeliver`,
    );
    expect(gone.status).toBe(409);
    expect(gone.body.detail).toMatch(/removed by retention/);
    await env.request('PATCH', `/api/v1/webhooks/${created.id}`, { body: { active: false } });
    const off = await env.request(
      'POST',
      `/api/v1/webhooks/${created.id}/deliveries/${delivery!.id}/redeliver`,
    );
    expect(off.status).toBe(409);
    expect(fieldsOf(off)).toEqual(['active']);
  });
});

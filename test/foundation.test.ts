/** Foundation: schema, health, OpenAPI, auth and the problem+json contract, on both databases. */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';

describeBoth('foundation', (kind) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv(kind);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('migrates an empty database to every table, each with updated_at kept by a trigger', async () => {
    const tables = await sql<{ table_name: string }>`
      SELECT table_name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'kysely_%'`.execute(
      env.ops.db,
    );
    const names = tables.rows.map((r) => r.table_name);
    for (const t of [
      'customers',
      'orders',
      'order_lines',
      'stock_movements',
      'api_keys',
      'audit_log',
      'deleted_rows',
    ]) {
      expect(names).toContain(t);
    }
    const team = await env.ops.db
      .insertInto('teams')
      .values({ name: 'Trigger check' })
      .returningAll()
      .executeTakeFirstOrThrow();
    const updated = await env.ops.db
      .updateTable('teams')
      .set({ name: 'Trigger check 2' })
      .where('id', '=', team.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    expect(updated.updated_at.getTime()).toBeGreaterThan(team.updated_at.getTime());
  });

  it('records hard deletes for the warehouse', async () => {
    const t = await env.ops.db
      .insertInto('teams')
      .values({ name: 'To delete' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await env.ops.db.deleteFrom('teams').where('id', '=', t.id).execute();
    const rows = await env.ops.db
      .selectFrom('deleted_rows')
      .selectAll()
      .where('table_name', '=', 'teams')
      .execute();
    expect(rows.map((r) => r.row_key)).toContainEqual({ id: t.id });
  });

  it('keeps money exact: numeric comes back as a decimal string', async () => {
    const c = await env.ops.db
      .insertInto('customers')
      .values({ code: 'M1', name: 'Money', credit_limit: '12345678.91' })
      .returning(['credit_limit', 'id'])
      .executeTakeFirstOrThrow();
    expect(c.credit_limit).toBe('12345678.91');
    expect(typeof c.id).toBe('number');
  });

  it('GET /health reports database and warehouse', async () => {
    const r = await env.request('GET', '/health', { key: null });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      status: 'ok',
      database: { ok: true, kind },
      warehouse: { ok: true, configured: true },
    });
    expect(r.headers.get('x-request-id')).toBeTruthy();
  });

  it('serves an OpenAPI 3.1 document generated from the routes', async () => {
    const r = await env.request('GET', '/api/v1/openapi.json', { key: null });
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    expect(
      r.body.paths['/api/v1/api-keys'].post.requestBody.content['application/json'].schema
        .properties,
    ).toHaveProperty('role');
    expect(r.body.paths['/api-keys/{id}']).toBeUndefined();
    expect(r.body.paths['/api/v1/api-keys/{id}'].delete.parameters[0]).toMatchObject({
      name: 'id',
      in: 'path',
    });
  });

  it('401 without a key, 401 with an unknown key, 403 for a wrong role, 200 for the right one', async () => {
    const none = await env.request('GET', '/api/v1/api-keys', { key: null });
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await env.request('GET', '/api/v1/api-keys', { key: 'so_bad_key' })).status).toBe(401);
    expect((await env.request('GET', '/api/v1/api-keys', { key: 'staff' })).status).toBe(403);
    const ok = await env.request('GET', '/api/v1/api-keys', { key: 'admin' });
    expect(ok.status).toBe(200);
    expect(ok.body.items.length).toBeGreaterThanOrEqual(5);
    expect(ok.body.nextCursor).toBeNull();
    expect(JSON.stringify(ok.body)).not.toMatch(/key_hash|so_[0-9a-f]{8}_/);
    const me = await env.request('GET', '/api/v1/me', { key: 'analyst' });
    expect(me.body).toMatchObject({ role: 'analyst' });
  });

  it('a created key works once shown, and a revoked key stops working', async () => {
    const created = await env.request('POST', '/api/v1/api-keys', {
      body: { name: 'temp', role: 'executive' },
    });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    // Used twice, so the second answer comes from the in-process key cache (api/auth/key-cache.ts);
    // revoking through the API must still refuse the key on the very next request.
    expect((await env.request('GET', '/api/v1/me', { key })).body.role).toBe('executive');
    expect((await env.request('GET', '/api/v1/me', { key })).body.role).toBe('executive');
    expect((await env.request('DELETE', `/api/v1/api-keys/${created.body.id}`)).status).toBe(204);
    expect((await env.request('GET', '/api/v1/me', { key })).status).toBe(401);
    expect((await env.request('DELETE', `/api/v1/api-keys/${created.body.id}`)).status).toBe(404);
  });

  it('public routes ignore Authorization: a bad, revoked or malformed key still gets /health', async () => {
    const created = await env.request('POST', '/api/v1/api-keys', {
      body: { name: 'monitor', role: 'analyst' },
    });
    const revoked = created.body.key as string;
    expect((await env.request('DELETE', `/api/v1/api-keys/${created.body.id}`)).status).toBe(204);
    for (const key of [revoked, 'so_bad_key']) {
      expect((await env.request('GET', '/health', { key })).status).toBe(200);
      expect((await env.request('GET', '/health/', { key })).status).toBe(200);
      expect((await env.request('GET', '/api/v1/openapi.json', { key })).status).toBe(200);
      // The same key is still refused wherever a key is needed.
      expect((await env.request('GET', '/api/v1/me', { key })).status).toBe(401);
    }
    const basic = { key: null, headers: { authorization: 'Basic dXNlcjpwdw==' } };
    expect((await env.request('GET', '/health', basic)).status).toBe(200);
    expect((await env.request('GET', '/api/v1/me', basic)).status).toBe(401);
  });

  it('bad input is a problem+json 400 naming the field, and writes nothing', async () => {
    const before = (await env.request('GET', '/api/v1/api-keys')).body.items.length;
    const r = await env.request('POST', '/api/v1/api-keys', {
      body: { name: '', role: 'emperor' },
    });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(r.body).toMatchObject({
      status: 400,
      title: 'Bad Request',
      instance: '/api/v1/api-keys',
    });
    expect(r.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['name', 'role']);
    // One path format everywhere; `in` and the detail say which part of the request was wrong.
    expect(r.body.errors.every((e: { in: string }) => e.in === 'body')).toBe(true);
    expect(r.body.detail).toMatch(/^invalid request body: /);
    // A JSON null body is refused as null, not read as an object with every field missing.
    const nullBody = await env.request('POST', '/api/v1/api-keys', { rawBody: 'null' });
    expect(nullBody.status).toBe(400);
    expect(nullBody.body.errors).toEqual([
      {
        field: '(root)',
        in: 'body',
        message: expect.stringMatching(/expected object, received null/),
      },
    ]);
    const malformed = await env.request('POST', '/api/v1/api-keys', { rawBody: '{"name": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.detail).toMatch(/malformed JSON/);
    const huge = await env.request('POST', '/api/v1/api-keys', {
      body: { name: 'x'.repeat(2_000_000), role: 'staff' },
    });
    expect(huge.status).toBe(413);
    const badId = await env.request('DELETE', '/api/v1/api-keys/abc');
    expect(badId.status).toBe(400);
    expect(badId.body.errors[0]).toMatchObject({ field: 'id', in: 'path' });
    expect(badId.body.detail).toMatch(/^invalid path parameter: id/);
    expect((await env.request('GET', '/api/v1/api-keys')).body.items.length).toBe(before);
  });

  it('unknown routes are a 404 problem', async () => {
    const r = await env.request('GET', '/api/v1/nothing-here');
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ status: 404, title: 'Not Found' });
  });
});

/**
 * The rules on API keys, through the API on both databases: a manager key needs a rep (without
 * one it would silently see nothing), and the last active admin key cannot be revoked, not even
 * by two revokes racing for the last two.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { revokeKey } from '../api/auth/service.ts';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';

describeBoth('API keys', (kind) => {
  let env: TestEnv;
  let repId: number;
  beforeAll(async () => {
    env = await startTestEnv(kind);
    const rep = await env.request('POST', '/api/v1/reps', { body: { code: 'K-1', name: 'Kim' } });
    expect(rep.status).toBe(201);
    repId = rep.body.id;
  });
  afterAll(async () => {
    await env?.close();
  });

  const activeAdmins = async () =>
    (
      await env.ops.db
        .selectFrom('api_keys')
        .select('id')
        .where('role', '=', 'admin')
        .where('revoked_at', 'is', null)
        .orderBy('id')
        .execute()
    ).map((r) => r.id);
  const keyCount = async () =>
    (await env.ops.db.selectFrom('api_keys').select('id').execute()).length;

  const createAdmin = async (key: string, name: string) => {
    const r = await env.request('POST', '/api/v1/api-keys', { key, body: { name, role: 'admin' } });
    expect(r.status, r.text).toBe(201);
    return { id: r.body.id as number, key: r.body.key as string };
  };

  it('refuses a manager key without a rep, naming repId, and creates nothing', async () => {
    const before = await keyCount();
    for (const body of [
      { name: 'boss', role: 'manager' },
      { name: 'boss', role: 'manager', repId: null },
    ]) {
      const r = await env.request('POST', '/api/v1/api-keys', { body });
      expect(r.status, r.text).toBe(422);
      expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(r.body.detail).toMatch(/manager key must belong to a sales rep/);
      expect(r.body.errors).toEqual([
        { field: 'repId', in: 'body', message: expect.stringMatching(/manager/) },
      ]);
    }
    expect(await keyCount()).toBe(before);

    const ok = await env.request('POST', '/api/v1/api-keys', {
      body: { name: 'boss', role: 'manager', repId },
    });
    expect(ok.status, ok.text).toBe(201);
    expect(ok.body).toMatchObject({ role: 'manager', repId });
    const me = await env.request('GET', '/api/v1/me', { key: ok.body.key });
    expect(me.body).toMatchObject({ role: 'manager', repId });
  });

  it('refuses to revoke the last active admin key (409) and the key keeps working', async () => {
    const [only] = await activeAdmins();
    expect(await activeAdmins()).toHaveLength(1);
    const r = await env.request('DELETE', `/api/v1/api-keys/${only}`);
    expect(r.status, r.text).toBe(409);
    expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(r.body.detail).toMatch(/last active admin key.*Create another admin key first/);
    expect(await activeAdmins()).toEqual([only]);
    expect((await env.request('GET', '/api/v1/me')).body).toMatchObject({ role: 'admin' });

    // With a second admin key, the first can go; then the second is the last one.
    const second = await createAdmin(env.keys.admin, 'second admin');
    expect(
      (await env.request('DELETE', `/api/v1/api-keys/${only}`, { key: second.key })).status,
    ).toBe(204);
    expect((await env.request('GET', '/api/v1/me')).status).toBe(401);
    const last = await env.request('DELETE', `/api/v1/api-keys/${second.id}`, { key: second.key });
    expect(last.status).toBe(409);
    expect(await activeAdmins()).toEqual([second.id]);
    env.keys.admin = second.key; // the harness's default key from here on
    // Other roles' keys are revoked as before.
    const staff = await env.request('POST', '/api/v1/api-keys', {
      body: { name: 's', role: 'staff' },
    });
    expect((await env.request('DELETE', `/api/v1/api-keys/${staff.body.id}`)).status).toBe(204);
  });

  // The race is the service's transaction on the real database; over HTTP the loser's request
  // could also fail its sign-in with a key the winner just revoked, which would hide the answer.
  it('two revokes racing for the last two admin keys: one succeeds, the other is refused', async () => {
    for (let round = 0; round < 3; round++) {
      const [current] = await activeAdmins();
      const other = await createAdmin(env.keys.admin, `racer ${round}`);
      expect(await activeAdmins()).toEqual([current, other.id]);
      const results = await Promise.allSettled([
        revokeKey(env.ops.db, current!),
        revokeKey(env.ops.db, other.id),
      ]);
      const refused = results.filter((r) => r.status === 'rejected');
      expect(refused, JSON.stringify(results)).toHaveLength(1);
      expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({
        code: 'conflict',
        message: expect.stringMatching(/last active admin key/),
      });
      const left = await activeAdmins();
      expect(left).toHaveLength(1);
      if (left[0] === other.id) env.keys.admin = other.key;
    }
  });
});

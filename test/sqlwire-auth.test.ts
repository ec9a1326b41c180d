/**
 * Who may read over the wire (sqlwire/credentials.ts, connection.ts), with psql and node `pg`:
 * `key` + an API key, a person's email + password (or one of their keys); a wrong password is
 * refused (28P01), counted toward the sign-in lockout and audited — ten of them lock the account
 * for the sign-in page too; a revoked key and a wrong one are refused; roles without SQL of their
 * own are refused (42501); and the password is asked for only from this machine or over TLS.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { MAX_FAILURES } from '../api/sessions/attempts.ts';
import { createApiKey } from '../api/auth/service.ts';
import { describeBoth, tempDir } from './support/harness.ts';
import { signInAs } from './support/sessions.ts';
import { outsideAddress, pgClient, psql, selfSignedCert, startWireEnv } from './support/sqlwire.ts';

type WireEnv = Awaited<ReturnType<typeof startWireEnv>>;

/** The error a connection attempt ends with (undefined: it connected and read). */
async function refusal(w: WireEnv, user: string, password: string) {
  try {
    const c = await pgClient(w.wire, user, password);
    await c.query('SELECT 1');
    await c.end();
    return undefined;
  } catch (e) {
    const err = e as pg.DatabaseError;
    return { code: err.code, message: err.message };
  }
}

describeBoth('SQL wire sign-in', (kind) => {
  let w: WireEnv;

  beforeAll(async () => {
    w = await startWireEnv(kind);
  });
  afterAll(async () => {
    await w?.close();
  });

  const audit = (entity: string, action: string) =>
    w.env.ops.db
      .selectFrom('audit_log')
      .select(['entity_id', 'diff'])
      .where('entity', '=', entity)
      .where('action', '=', action)
      .execute();

  it('takes `key` with an analyst or admin key, and refuses a wrong or revoked one', async () => {
    expect(await refusal(w, 'key', w.env.keys.analyst)).toBeUndefined();
    expect(await refusal(w, 'key', w.env.keys.admin)).toBeUndefined();
    const before = (await audit('api_key', 'sign_in_failed')).length;
    expect(await refusal(w, 'key', 'so_00000000_not-a-key')).toEqual({
      code: '28P01',
      message: 'unknown or revoked API key',
    });
    expect(await audit('api_key', 'sign_in_failed')).toHaveLength(before + 1);

    const { id, key } = await createApiKey(w.env.ops.db, {
      name: 'to revoke',
      role: 'analyst',
    });
    expect(await refusal(w, 'key', key)).toBeUndefined();
    const revoked = await w.env.request('DELETE', `/api/v1/api-keys/${id}`);
    expect(revoked.status).toBe(204);
    expect(await refusal(w, 'key', key)).toMatchObject({ code: '28P01' });
  });

  it('refuses roles that run no SQL of their own, as the HTTP API does', async () => {
    for (const role of ['executive', 'staff', 'manager'] as const)
      expect(await refusal(w, 'key', w.env.keys[role]), role).toMatchObject({
        code: '42501',
        message: expect.stringMatching(new RegExp(`role ${role} may not run its own SQL`)),
      });
  });

  it("takes a person's email and password; a wrong one counts toward the lockout", async () => {
    const s = await signInAs(w.env, 'analyst');
    const ok = await psql(w.wire, s.email, s.password, ['-A', '-t', '-c', 'SELECT 7 AS seven']);
    expect(ok).toMatchObject({ code: 0, stdout: '7\n' });
    const signIns = await audit('user', 'sign_in');
    expect(
      signIns.filter((a) => a.entity_id === String(s.userId)).map((a) => a.diff),
    ).toContainEqual(expect.objectContaining({ method: { from: null, to: 'sql' } }));

    const wrong = await psql(w.wire, s.email, 'not my password 1', ['-c', 'SELECT 1']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/Email or password is wrong/);
    expect(await refusal(w, 'nobody@example.com', 'whatever 1')).toMatchObject({
      code: '28P01',
    });
    const failures = await audit('user', 'sign_in_failed');
    expect(failures.filter((a) => a.entity_id === String(s.userId))).toHaveLength(1);

    // Up to the lock: the right password is refused then, over the wire and at /login.
    for (let i = 1; i < MAX_FAILURES; i++)
      expect(await refusal(w, s.email, `wrong guess ${i}`)).toMatchObject({ code: '28P01' });
    expect(await refusal(w, s.email, s.password)).toMatchObject({ code: '28P01' });
    const login = await w.env.request('POST', '/login', {
      key: null,
      body: { email: s.email, password: s.password },
    });
    expect(login.status).toBe(401);
    expect(await audit('user', 'lock')).toContainEqual(
      expect.objectContaining({ entity_id: String(s.userId) }),
    );
  });

  it("takes a person's email with one of their own keys, not with someone else's", async () => {
    const s = await signInAs(w.env, 'analyst');
    const own = await createApiKey(w.env.ops.db, {
      name: 'mine',
      role: 'analyst',
      userId: s.userId,
    });
    expect(await refusal(w, s.email, own.key)).toBeUndefined();
    expect(await refusal(w, s.email, w.env.keys.analyst)).toMatchObject({ code: '28P01' });
    const failures = await audit('user', 'sign_in_failed');
    expect(failures.filter((a) => a.entity_id === String(s.userId)).map((a) => a.diff)).toEqual([
      expect.objectContaining({ reason: { from: null, to: 'wrong_key' } }),
    ]);
  });
});

const outside = outsideAddress();

describe.skipIf(!outside)('SQL wire from another machine: TLS or nothing', () => {
  let plain: WireEnv;
  let secure: WireEnv;
  const dir = tempDir('salesops-sqlwire-tls-');

  beforeAll(async () => {
    const { cert, key } = selfSignedCert(dir);
    plain = await startWireEnv('embedded', { env: { SALESOPS_SQL_HOST: '0.0.0.0' } });
    secure = await startWireEnv('embedded', {
      env: {
        SALESOPS_SQL_HOST: '0.0.0.0',
        SALESOPS_SQL_TLS_CERT: cert,
        SALESOPS_SQL_TLS_KEY: key,
      },
    });
  });
  afterAll(async () => {
    await plain?.close();
    await secure?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to take a password in clear from another address', async () => {
    const r = await psql(plain.wire, 'key', plain.env.keys.analyst, ['-c', 'SELECT 1'], {
      host: outside,
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/password would travel in clear/);
    // From this machine the same key works.
    const local = await psql(plain.wire, 'key', plain.env.keys.analyst, ['-c', 'SELECT 1'], {
      host: '127.0.0.1',
    });
    expect(local.code).toBe(0);
  });

  it('with TLS configured, takes it over TLS (SSLRequest honoured) and refuses it without', async () => {
    const args = ['-A', '-t', '-c', 'SELECT 1 AS one'];
    const tls = await psql(secure.wire, 'key', secure.env.keys.analyst, args, {
      host: outside,
      sslmode: 'require',
    });
    expect(tls).toMatchObject({ code: 0, stdout: '1\n' });
    const clear = await psql(secure.wire, 'key', secure.env.keys.analyst, args, {
      host: outside,
      sslmode: 'disable',
    });
    expect(clear.code).not.toBe(0);
    expect(clear.stderr).toMatch(/connect with TLS/);
  });
});

/**
 * Revocation is immediate in every instance: two real `salesops start` processes on one
 * PostgreSQL database (A and B), and the CLI beside them. A key revoked, a user disabled or a
 * session logged out in one process is refused on the very next request at the other, right after
 * that other accepted it (so a cache of lookups, like the 30 s key cache, would still have it).
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawnCli, whenServing, type StartedServer } from './support/cli-process.ts';
import { tempDir } from './support/harness.ts';
import { createTestDatabase } from './support/postgres.ts';

const live = new Set<ChildProcess>();

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

/** Who makes a request: an API key, or a browser session (cookie and its CSRF token). */
type Caller = { key: string } | { session: Session } | null;

interface Session {
  cookie: string;
  csrfToken: string;
}

describe.runIf(inject('pgAvailable'))('revocation across two server processes [postgres]', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const dirs: string[] = [];
  let env: Record<string, string>;
  let a: StartedServer;
  let b: StartedServer;
  let admin: string;

  beforeAll(async () => {
    database = await createTestDatabase('salesops_revoke');
    env = {
      DATABASE_URL: database.url,
      SALESOPS_SCHEDULER: 'off',
      SALESOPS_PASSWORD_COST: '12',
    };
    const start = (name: string) => {
      const dataDir = tempDir(`salesops-${name}-`);
      dirs.push(dataDir);
      return whenServing(
        spawnCli(['start', '--no-demo'], { env: { ...env, SALESOPS_DATA_DIR: dataDir }, live }),
      );
    };
    // One after the other: the first migrates the database and makes the first admin key.
    a = await start('a');
    b = await start('b');
    expect(a.adminKey).toMatch(/^so_/);
    expect(b.adminKey, 'the second instance finds the key the first made').toBeUndefined();
    admin = a.adminKey!;
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    for (const c of live) c.kill('SIGKILL');
    await database?.drop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  async function call(
    server: StartedServer,
    method: string,
    path: string,
    caller: Caller,
    body?: unknown,
  ): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (caller && 'key' in caller) headers.authorization = `Bearer ${caller.key}`;
    if (caller && 'session' in caller) {
      headers.cookie = `salesops_session=${caller.session.cookie}`;
      headers['x-csrf-token'] = caller.session.csrfToken;
    }
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(server.url + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'manual',
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  }

  /** GET /api/v1/me at `server`: 200 with the caller, or 401. */
  const me = (server: StartedServer, caller: Caller) => call(server, 'GET', '/api/v1/me', caller);

  /** The session a sign-in answer started: its cookie and CSRF token. */
  function sessionOf(r: Answer): Session {
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const set = r.headers.getSetCookie().find((c) => c.startsWith('salesops_session='));
    const cookie = /^salesops_session=([^;]+)/.exec(set ?? '')?.[1];
    expect(cookie, 'a session cookie').toBeDefined();
    expect(r.body.csrfToken).toEqual(expect.any(String));
    return { cookie: cookie!, csrfToken: r.body.csrfToken };
  }

  /** A user made through A with a password set through its one-time link (which signs in). */
  async function userWithPassword(role: 'analyst' | 'executive', setAt: StartedServer) {
    const email = `${role}-${randomBytes(4).toString('hex')}@revoke.test`;
    const password = `Revocation ${randomBytes(6).toString('hex')}`;
    const created = await call(a, 'POST', '/api/v1/users', { key: admin }, { email, role });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const token = new URL(created.body.setPasswordUrl).searchParams.get('token');
    const first = sessionOf(await call(setAt, 'POST', '/set-password', null, { token, password }));
    return { id: created.body.id as number, email, password, first };
  }

  const signIn = async (server: StartedServer, email: string, password: string) =>
    sessionOf(await call(server, 'POST', '/login', null, { email, password }));

  async function newKey(extra: { userId?: number } = {}) {
    const name = `revocation ${randomBytes(3).toString('hex')}`;
    const r = await call(
      a,
      'POST',
      '/api/v1/api-keys',
      { key: admin },
      { name, role: 'analyst', ...extra },
    );
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return { id: r.body.id as number, key: r.body.key as string, userId: r.body.userId };
  }

  it('a key revoked through instance A is refused at B on the next request', async () => {
    const k = await newKey();
    // B accepts it twice: a cache in B would have it now.
    expect((await me(b, { key: k.key })).status).toBe(200);
    expect((await me(b, { key: k.key })).body).toMatchObject({ keyId: k.id, role: 'analyst' });

    expect((await call(a, 'DELETE', `/api/v1/api-keys/${k.id}`, { key: admin })).status).toBe(204);
    const refused = await me(b, { key: k.key });
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toMatch(/unknown or revoked API key/);
    expect((await me(a, { key: k.key })).status).toBe(401);
  });

  it('a key revoked by `salesops keys revoke` beside the servers is refused by both at once', async () => {
    const k = await newKey();
    expect((await me(a, { key: k.key })).status).toBe(200);
    expect((await me(b, { key: k.key })).status).toBe(200);

    // Its own data folder: with DATABASE_URL the command works on the database itself.
    const cliDir = tempDir('salesops-cli-');
    dirs.push(cliDir);
    const revoked = await spawnCli(['keys', 'revoke', String(k.id)], {
      env: { ...env, SALESOPS_DATA_DIR: cliDir },
      live,
    }).finished;
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`revoked key ${k.id}`);

    expect((await me(b, { key: k.key })).status).toBe(401);
    expect((await me(a, { key: k.key })).status).toBe(401);
  });

  it('a key can belong to a user: only an existing, active one (422 naming userId)', async () => {
    const unknown = await call(
      a,
      'POST',
      '/api/v1/api-keys',
      { key: admin },
      { name: 'nobody', role: 'analyst', userId: 987654 },
    );
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([
      { field: 'userId', in: 'body', message: 'user 987654 does not exist' },
    ]);

    const u = await userWithPassword('analyst', a);
    expect((await call(a, 'POST', `/api/v1/users/${u.id}/disable`, { key: admin })).status).toBe(
      200,
    );
    const disabled = await call(
      a,
      'POST',
      '/api/v1/api-keys',
      { key: admin },
      { name: 'for a disabled user', role: 'analyst', userId: u.id },
    );
    expect(disabled.status).toBe(422);
    expect(disabled.body.errors[0]).toMatchObject({ field: 'userId', in: 'body' });
  });

  it('a user disabled through A: their sessions and their key are refused at B at once', async () => {
    const u = await userWithPassword('analyst', a);
    const atB = await signIn(b, u.email, u.password);
    const k = await newKey({ userId: u.id });
    expect(k.userId).toBe(u.id);

    // All three work at B right before the disable.
    expect((await me(b, { session: u.first })).body).toMatchObject({ userId: u.id, keyId: null });
    expect((await me(b, { session: atB })).body).toMatchObject({ userId: u.id, keyId: null });
    expect((await me(b, { key: k.key })).body).toMatchObject({ userId: u.id, keyId: k.id });

    const disabled = await call(a, 'POST', `/api/v1/users/${u.id}/disable`, { key: admin });
    expect(disabled.status).toBe(200);
    expect(disabled.body.active).toBe(false);

    expect((await me(b, { session: u.first })).status).toBe(401);
    expect((await me(b, { session: atB })).status).toBe(401);
    expect((await me(b, { key: k.key })).status).toBe(401);
    // Nor can they sign in again, at either instance.
    expect(
      (await call(b, 'POST', '/login', null, { email: u.email, password: u.password })).status,
    ).toBe(401);
  });

  it('a session logged out at A is refused at B; the same user’s other session is not', async () => {
    const u = await userWithPassword('executive', b);
    const s = await signIn(a, u.email, u.password);
    expect((await me(b, { session: s })).status).toBe(200);
    expect((await me(b, { session: s })).body).toMatchObject({ userId: u.id, role: 'executive' });

    expect((await call(a, 'POST', '/logout', { session: s })).status).toBe(204);

    expect((await me(b, { session: s })).status).toBe(401);
    expect((await me(a, { session: s })).status).toBe(401);
    // Logging out ends that session only: the one the set-password link started still works.
    expect((await me(b, { session: u.first })).status).toBe(200);
  });
});

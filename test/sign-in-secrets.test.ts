/**
 * No password, token or hash leaves the places that must hold it. Every sign-in flow runs once —
 * the first-start link, set-password links (JSON and form), sign-in by password (JSON and form),
 * failed sign-ins (a wrong password, an unknown email, a password typed into the email field), a
 * password reset, a key made from a signed-in browser, logouts — and every secret it handled is
 * collected: passwords, link tokens, session cookies, CSRF tokens, API keys, and afterwards every
 * hash the database stored for them. Then none of them may appear in the warehouse after an ingest
 * (whose deny-list leaves out the hash columns), in the audit log, or in any debug-level log line
 * (request URLs carry link tokens: the request log redacts them).
 */
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createFirstAdmin } from '../api/users/service.ts';
import { runIngest } from '../ingest/run.ts';
import { duckRows } from './ingest-support.ts';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';

interface Answer {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

interface Session {
  cookie: string;
  csrfToken: string;
}

describeBoth('sign-in secrets stay out of the warehouse, the audit log and the logs', (kind) => {
  let env: TestEnv;
  const logLines: string[] = [];
  /** Secret value → what it is (the failure names it, never the value's neighbours). */
  const secrets = new Map<string, string>();
  const keep = (what: string, value: string | null | undefined) => {
    // Short values would match by chance; every secret here is long and random.
    expect(value?.length ?? 0, what).toBeGreaterThanOrEqual(12);
    secrets.set(value!, what);
  };
  const password = (what: string) => {
    const p = `Leak-${what}-${randomBytes(9).toString('base64url')}`;
    keep(`password (${what})`, p);
    return p;
  };

  /** A browser's request: no redirects followed, the session's cookie and CSRF token sent. */
  async function send(
    method: string,
    urlPath: string,
    opts: { session?: Session; csrf?: boolean; json?: unknown; form?: Record<string, string> } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (opts.session) headers.cookie = `salesops_session=${opts.session.cookie}`;
    if (opts.session && opts.csrf !== false) headers['x-csrf-token'] = opts.session.csrfToken;
    let body: string | undefined;
    if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.json);
    } else if (opts.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(opts.form).toString();
    }
    const res = await fetch(env.baseUrl + urlPath, { method, headers, body, redirect: 'manual' });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  /** The session cookie an answer set (kept as a secret). */
  function cookieOf(r: Answer): string {
    const set = r.headers.getSetCookie().find((c) => c.startsWith('salesops_session='));
    const cookie = /^salesops_session=([^;]+)/.exec(set ?? '')?.[1];
    keep('session cookie', cookie);
    return cookie!;
  }

  /** A JSON sign-in answer → its session (cookie and CSRF token, both kept). */
  function sessionOf(r: Answer): Session {
    expect(r.status, r.text).toBe(200);
    keep('CSRF token', r.body.csrfToken);
    return { cookie: cookieOf(r), csrfToken: r.body.csrfToken };
  }

  /** A session from a form's 303: its CSRF token read from the page it leads to. */
  async function sessionFromRedirect(r: Answer): Promise<Session> {
    expect(r.status, r.text).toBe(303);
    const cookie = cookieOf(r);
    const page = await send('GET', '/account', { session: { cookie, csrfToken: '' } });
    expect(page.status).toBe(200);
    const csrfToken = /<meta name="csrf-token" content="([^"]+)"/.exec(page.text)?.[1];
    keep('CSRF token', csrfToken);
    return { cookie, csrfToken: csrfToken! };
  }

  const tokenOf = (url: string, what: string) => {
    const token = new URL(url, env.baseUrl).searchParams.get('token');
    keep(what, token);
    return token!;
  };

  /** Every flow that handles a secret, once each. */
  async function signInFlows(): Promise<void> {
    for (const [role, key] of Object.entries(env.keys)) keep(`API key (${role})`, key);

    // The first start's link signs the admin in; the admin then sets an email and password.
    const firstLink = await createFirstAdmin(env.ops.db, new Date());
    const signInToken = tokenOf(firstLink.path, 'first-start sign-in token');
    const linked = await send('GET', `/login?token=${signInToken}`);
    expect(linked.headers.get('location')).toBe('/account');
    const first = await sessionFromRedirect(linked);
    expect((await send('GET', `/login?token=${signInToken}`)).status, 'used once').toBe(401);
    const adminPassword = password('first admin');
    const admin = sessionOf(
      await send('POST', '/account/password', {
        session: first,
        json: { email: 'first-admin@leak.test', password: adminPassword },
      }),
    );

    // An admin makes a user; the user sets a password with the link (a refused one first).
    const created = await env.request('POST', '/api/v1/users', {
      body: { email: 'ana@leak.test', role: 'analyst', name: 'Ana' },
    });
    expect(created.status, created.text).toBe(201);
    const userId = created.body.id as number;
    const setToken = tokenOf(created.body.setPasswordUrl, 'set-password token');
    expect((await send('GET', `/set-password?token=${setToken}`)).status).toBe(200);
    // Too short to be accepted, yet random enough (6 hex digits) not to match anything by chance.
    const tooShort = `Sh-${randomBytes(3).toString('hex')}`;
    secrets.set(tooShort, 'refused password');
    const refused = await send('POST', '/set-password', {
      json: { token: setToken, password: tooShort },
    });
    expect(refused.status).toBe(422);
    const anaPassword = password('ana');
    const setAnswer = await send('POST', '/set-password', {
      json: { token: setToken, password: anaPassword },
    });
    const afterSet = sessionOf(setAnswer);
    expect(
      (
        await send('POST', '/set-password', {
          json: { token: setToken, password: password('again') },
        })
      ).status,
      'a set-password link works once',
    ).toBe(422);

    // Failed sign-ins: a wrong password, an unknown email, the password typed as the email.
    const wrong = password('wrong');
    for (const body of [
      { email: 'ana@leak.test', password: wrong },
      { email: 'nobody@leak.test', password: password('unknown email') },
      { email: anaPassword, password: anaPassword },
    ])
      expect((await send('POST', '/login', { json: body })).status).toBe(401);
    const formRefused = await send('POST', '/login', {
      form: { email: 'ana@leak.test', password: wrong, next: '/account' },
    });
    expect(formRefused.status).toBe(401);

    // Signing in: JSON and the form.
    const ana = sessionOf(
      await send('POST', '/login', { json: { email: 'ANA@leak.test', password: anaPassword } }),
    );
    const anaForm = await sessionFromRedirect(
      await send('POST', '/login', { form: { email: 'ana@leak.test', password: anaPassword } }),
    );
    expect((await send('GET', '/api/v1/me', { session: ana })).body).toMatchObject({ userId });
    expect((await send('GET', '/', { session: anaForm })).status).toBe(200);

    // The signed-in admin makes a key for Ana from the browser (cookie + CSRF token)…
    expect(
      (await send('POST', '/api/v1/api-keys', { session: admin, csrf: false, json: {} })).status,
      'no CSRF token: refused',
    ).toBe(403);
    const key = await send('POST', '/api/v1/api-keys', {
      session: admin,
      json: { name: 'ana script', role: 'analyst', userId },
    });
    expect(key.status, key.text).toBe(201);
    keep('API key (ana)', key.body.key);
    expect((await env.request('GET', '/api/v1/me', { key: key.body.key })).status).toBe(200);

    // …and a new set-password link, used through the form.
    const reset = await env.request('POST', `/api/v1/users/${userId}/reset-password`);
    expect(reset.status, reset.text).toBe(200);
    const resetToken = tokenOf(reset.body.setPasswordUrl, 'reset-password token');
    expect((await send('GET', `/set-password?token=${resetToken}`)).status).toBe(200);
    const afterReset = await sessionFromRedirect(
      await send('POST', '/set-password', {
        form: { token: resetToken, password: password('ana, reset') },
      }),
    );

    // Links never issued, in both pages' URLs.
    const forged = randomBytes(32).toString('base64url');
    keep('forged token', forged);
    expect((await send('GET', `/login?token=${forged}`)).status).toBe(401);
    expect((await send('GET', `/set-password?token=${forged}`)).status).toBe(404);

    // Logging out: JSON and the form (its CSRF token in the _csrf field).
    expect((await send('POST', '/logout', { session: admin })).status).toBe(204);
    const formOut = await send('POST', '/logout', {
      session: { ...afterReset, csrfToken: '' },
      csrf: false,
      form: { _csrf: afterReset.csrfToken },
    });
    expect(formOut.status).toBe(303);
    expect((await send('GET', '/api/v1/me', { session: admin })).status).toBe(401);
    // Setting a password ended the sessions before it.
    expect((await send('GET', '/api/v1/me', { session: afterSet })).status).toBe(401);
  }

  /** Every hash the database holds, and the salt and digest of each scrypt hash apart. */
  async function storedHashes(): Promise<void> {
    const db = env.ops.db;
    for (const u of await db.selectFrom('users').select('password_hash').execute()) {
      if (!u.password_hash) continue;
      keep('password hash', u.password_hash);
      const [, , salt, digest] = u.password_hash.split('$');
      keep('password hash salt', salt);
      keep('password hash digest', digest);
    }
    for (const t of await db.selectFrom('user_tokens').select('token_hash').execute())
      keep('link token hash', t.token_hash);
    for (const s of await db.selectFrom('sessions').select('token_hash').execute())
      keep('session token hash', s.token_hash);
    for (const k of await db.selectFrom('api_keys').select('key_hash').execute())
      keep('API key hash', k.key_hash);
  }

  /** What secrets `text` holds, by name. */
  const leaksIn = (text: string) =>
    [...secrets].filter(([v]) => text.includes(v)).map(([, w]) => w);

  beforeAll(async () => {
    const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
    env = await startTestEnv(kind, { env: { SALESOPS_PASSWORD_COST: '12' }, logger });
    await signInFlows();
    await storedHashes();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('the flows handled every kind of secret', () => {
    const kinds = new Set([...secrets.values()]);
    for (const k of [
      'first-start sign-in token',
      'set-password token',
      'reset-password token',
      'session cookie',
      'CSRF token',
      'password (ana)',
      'password hash',
      'link token hash',
      'session token hash',
      'API key hash',
    ])
      expect(kinds, k).toContain(k);
  });

  it('an ingest copies users, sessions and links without their hashes, and no secret', async () => {
    const r = await runIngest(env.ops, env.warehouse, {
      tempDir: env.config.ingestTempDir,
      safetyLagMs: 0,
    });
    const copied = r.tables.map((t) => t.table);
    for (const t of ['users', 'sessions', 'user_tokens', 'api_keys', 'audit_log'])
      expect(copied).toContain(t);

    // The tables are there, with their other columns; no hash or password column anywhere.
    const columns = await duckRows(
      env.warehouse,
      `SELECT schema_name, table_name, column_name FROM duckdb_columns()`,
    );
    const raw = (table: string) =>
      columns
        .filter((c) => c.schema_name === 'raw' && c.table_name === table)
        .map((c) => c.column_name);
    expect(raw('users')).toEqual(expect.arrayContaining(['id', 'email', 'role', 'active']));
    expect(raw('sessions')).toEqual(expect.arrayContaining(['id', 'user_id', 'expires_at']));
    expect(raw('user_tokens')).toEqual(expect.arrayContaining(['id', 'user_id', 'purpose']));
    expect(
      columns.filter((c) => /password|hash|token$/i.test(String(c.column_name))),
      'columns named like a secret',
    ).toEqual([]);
    const state = await duckRows(
      env.warehouse,
      `SELECT table_name, excluded_columns FROM raw._ingest_state
       WHERE table_name IN ('users', 'sessions', 'user_tokens', 'api_keys') ORDER BY table_name`,
    );
    expect(state).toEqual([
      { table_name: 'api_keys', excluded_columns: ['key_hash'] },
      { table_name: 'sessions', excluded_columns: ['token_hash'] },
      { table_name: 'user_tokens', excluded_columns: ['token_hash'] },
      { table_name: 'users', excluded_columns: ['password_hash'] },
    ]);

    // The rows did arrive (the scan below is not of empty tables)…
    const counts = await duckRows(
      env.warehouse,
      `SELECT (SELECT count(*) FROM raw.users) AS users, (SELECT count(*) FROM raw.sessions) AS sessions,
              (SELECT count(*) FROM raw.user_tokens) AS tokens`,
    );
    expect(counts).toEqual([{ users: '2', sessions: '6', tokens: '3' }]);

    // …and no value of any column of any table in the warehouse holds a secret.
    const tables = await duckRows(
      env.warehouse,
      `SELECT schema_name, table_name FROM duckdb_tables() ORDER BY ALL`,
    );
    expect(tables.length).toBeGreaterThan(10);
    const leaks: string[] = [];
    for (const t of tables) {
      const rows = await duckRows(
        env.warehouse,
        `SELECT * FROM "${String(t.schema_name)}"."${String(t.table_name)}"`,
      );
      for (const what of leaksIn(JSON.stringify(rows)))
        leaks.push(`${String(t.schema_name)}.${String(t.table_name)}: ${what}`);
    }
    expect(leaks).toEqual([]);
  });

  it('the audit log records every step and no secret', async () => {
    const rows = await env.ops.db.selectFrom('audit_log').selectAll().orderBy('id').execute();
    const actions = new Set(rows.filter((r) => r.entity === 'user').map((r) => r.action));
    for (const a of [
      'create',
      'sign_in',
      'sign_in_failed',
      'set_password',
      'reset_password',
      'sign_out',
    ])
      expect(actions, a).toContain(a);
    const leaks = rows.flatMap((r) => leaksIn(JSON.stringify(r)).map((w) => `#${r.id}: ${w}`));
    expect(leaks).toEqual([]);
  });

  it('no log line holds a secret; link URLs are logged with the token redacted', () => {
    expect(logLines.length).toBeGreaterThan(30);
    const urls = logLines.map((l) => JSON.parse(l).req?.url as string | undefined);
    expect(urls).toContain('/login?token=[redacted]');
    expect(urls).toContain('/set-password?token=[redacted]');
    const leaks = logLines.flatMap((l, i) => leaksIn(l).map((w) => `line ${i}: ${w}`));
    expect(leaks).toEqual([]);
  });
});

/**
 * People sign in (issue #13), through the real app on both databases: a user is created, sets a
 * password with the one-time link, signs in, uses the API with the cookie, signs out and is
 * refused; CSRF and other sites' requests are refused and change nothing; sessions end when
 * idle or old. Time is the context's clock, moved by the test (SQL now() could not be). Failed
 * sign-ins and the lock are in test/sign-in-lockout.test.ts, a proxy in front in
 * test/sign-in-proxy.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGN_IN_REFUSED } from '../api/sessions/service.ts';
import { createFirstAdmin } from '../api/users/service.ts';
import { nowOf } from '../context.ts';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import { asSession, login, sessionCookie, signInAs } from './support/sessions.ts';

const MINUTE = 60_000;

describeBoth('sign-in', (kind) => {
  let env: TestEnv;
  let now = Date.now();
  const advance = (ms: number) => (now += ms);

  beforeAll(async () => {
    env = await startTestEnv(kind, { clock: () => new Date(now) });
  });
  afterAll(async () => {
    await env?.close();
  });

  const count = async (table: 'customers' | 'sessions' | 'users') =>
    Number(
      (
        await env.ops.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('create → set password → sign in → use the API with the cookie → log out → refused', async () => {
    const created = await env.request('POST', '/api/v1/users', {
      body: { email: 'Dana.Reyes@Example.com', role: 'analyst', name: 'Dana Reyes' },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ role: 'analyst', active: true, hasPassword: false });
    const link = new URL(created.body.setPasswordUrl);
    expect(link.origin).toBe(env.baseUrl);
    expect(link.pathname).toBe('/set-password');
    const token = link.searchParams.get('token')!;

    const page = await env.request('GET', `/set-password?token=${token}`, { key: null });
    expect(page.status).toBe(200);
    expect(page.text).toContain('Choose your password');
    expect(page.headers.get('cache-control')).toBe('no-store');

    const weak = await env.request('POST', '/set-password', {
      key: null,
      body: { token, password: 'password2024!' },
    });
    expect(weak.status).toBe(422);
    expect(weak.body.errors[0]).toMatchObject({ field: 'password', in: 'body' });
    expect(weak.body.errors[0].message).toMatch(/common/);

    const set = await env.request('POST', '/set-password', {
      key: null,
      body: { token, password: 'tangerine harbour 42' },
    });
    expect(set.status, set.text).toBe(200);
    expect(set.body.user).toMatchObject({ email: 'Dana.Reyes@Example.com', role: 'analyst' });
    const again = await env.request('POST', '/set-password', {
      key: null,
      body: { token, password: 'another good phrase 9' },
    });
    expect(again.status).toBe(422);
    expect(again.body.errors[0].field).toBe('token');

    // Any case of the email signs in.
    const s = await login(env, 'dana.reyes@example.com', 'tangerine harbour 42');
    expect(s.cookie).toMatch(/^salesops_session=[\w-]{43}$/);
    const me = await env.request('GET', '/api/v1/me', asSession(s));
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ keyId: null, userId: created.body.id, role: 'analyst' });
    const audit = await env.request('GET', '/api/v1/audit?entity=user', asSession(s));
    expect(audit.status).toBe(200);

    const out = await env.request('POST', '/logout', asSession(s));
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/salesops_session=;/);
    const after = await env.request('GET', '/api/v1/me', asSession(s));
    expect(after.status).toBe(401);
    expect(after.body.detail).toMatch(/session has ended/);
    // Pages send a signed-out browser to the sign-in page, and back afterwards.
    const home = await env.request('GET', '/', { key: null, headers: { cookie: s.cookie } });
    expect(home.status).toBe(303);
    expect(home.headers.get('location')).toBe('/login?next=%2F');
  });

  it('the cookie is HttpOnly, SameSite=Lax, Path=/, and Secure only behind HTTPS', async () => {
    const s = await signInAs(env, 'staff');
    const r = await env.request('POST', '/login', {
      key: null,
      body: { email: s.email, password: s.password },
    });
    const cookie = r.headers.getSetCookie()[0]!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/);
    // Without SALESOPS_TRUST_PROXY a forwarded protocol is not believed.
    const forwarded = await env.request('POST', '/login', {
      key: null,
      body: { email: s.email, password: s.password },
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(forwarded.headers.getSetCookie()[0]).not.toMatch(/Secure/);
  });

  it('a cookie request that changes something needs the CSRF token; another site is refused; nothing is written', async () => {
    const s = await signInAs(env, 'staff');
    const before = await count('customers');
    const body = { code: `CSRF-${kind}`, name: 'Csrf Probe GmbH', country: 'DE' };
    const cookieOnly = { key: null, headers: { cookie: s.cookie } };
    const missing = await env.request('POST', '/api/v1/customers', { ...cookieOnly, body });
    expect(missing.status).toBe(403);
    expect(missing.body.detail).toMatch(/CSRF token/);
    const wrong = await env.request('POST', '/api/v1/customers', {
      key: null,
      headers: { cookie: s.cookie, 'x-csrf-token': 'x'.repeat(43) },
      body,
    });
    expect(wrong.status).toBe(403);
    const otherSite = await env.request('POST', '/api/v1/customers', {
      ...asSession(s, { origin: 'https://evil.example' }),
      body,
    });
    expect(otherSite.status).toBe(403);
    expect(otherSite.body.detail).toMatch(/another site/);
    // Signing in from another site's form is refused too (login CSRF).
    const foreignLogin = await env.request('POST', '/login', {
      key: null,
      headers: { origin: 'https://evil.example' },
      body: { email: s.email, password: s.password },
    });
    expect(foreignLogin.status).toBe(403);
    expect(await count('customers')).toBe(before);

    const sameSite = await env.request('POST', '/api/v1/customers', {
      ...asSession(s, { origin: env.baseUrl }),
      body,
    });
    expect(sameSite.status, sameSite.text).toBe(201);
    // A Bearer key needs no CSRF token, even with a cookie beside it.
    const bearer = await env.request('GET', '/api/v1/me', {
      key: 'staff',
      headers: { cookie: s.cookie },
    });
    expect(bearer.body.keyId).not.toBeNull();
  });

  it('a form signs in (303 to the page asked for, never to another site) and out with _csrf', async () => {
    const s = await signInAs(env, 'executive');
    const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
    const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };
    const ok = await env.request('POST', '/login', {
      key: null,
      headers: formHeaders,
      rawBody: form({ email: s.email, password: s.password, next: '/account' }),
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/account');
    const evil = await env.request('POST', '/login', {
      key: null,
      headers: formHeaders,
      rawBody: form({ email: s.email, password: s.password, next: '//evil.example/x' }),
    });
    expect(evil.headers.get('location')).toBe('/');
    const bad = await env.request('POST', '/login', {
      key: null,
      headers: formHeaders,
      rawBody: form({ email: s.email, password: 'not the password' }),
    });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('content-type')).toMatch(/text\/html/);
    expect(bad.text).toContain('role="alert"');
    expect(bad.text).toContain(s.email); // the email stays filled in

    const cookie = sessionCookie(ok);
    const home = await env.request('GET', '/', { key: null, headers: { cookie } });
    const csrf = /name="csrf-token" content="([^"]+)"/.exec(home.text)![1]!;
    const out = await env.request('POST', '/logout', {
      key: null,
      headers: { ...formHeaders, cookie },
      rawBody: form({ _csrf: csrf }),
    });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/login');
    expect(
      (await env.request('GET', '/api/v1/me', { key: null, headers: { cookie } })).status,
    ).toBe(401);
  });

  it('a disabled user’s links stay dead after the user is enabled again; HEAD does not use up a sign-in link', async () => {
    const created = await env.request('POST', '/api/v1/users', {
      body: { email: 'off-and-on@example.com', role: 'staff' },
    });
    const token = new URL(created.body.setPasswordUrl).searchParams.get('token')!;
    expect((await env.request('POST', `/api/v1/users/${created.body.id}/disable`)).status).toBe(
      200,
    );
    expect((await env.request('POST', `/api/v1/users/${created.body.id}/enable`)).status).toBe(200);
    const late = await env.request('POST', '/set-password', {
      key: null,
      body: { token, password: 'should not work now 3' },
    });
    expect(late.status).toBe(422);
    const bad = await env.request('POST', '/set-password', {
      key: null,
      body: { token, password: 'should not work now 3', email: 'not an email' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('email');

    const link = await createFirstAdmin(env.ops.db, nowOf(env.ctx));
    expect((await env.request('HEAD', link.path, { key: null })).status).toBe(200);
    const opened = await env.request('GET', link.path, { key: null });
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe('/account');
  });

  it('a session ends after 8 idle hours, and 7 days after sign-in however much it is used', async () => {
    const idle = await signInAs(env, 'staff');
    advance(7 * 60 * MINUTE);
    expect((await env.request('GET', '/api/v1/me', asSession(idle))).status).toBe(200);
    advance(7 * 60 * MINUTE); // 7 h after the last use: still in
    expect((await env.request('GET', '/api/v1/me', asSession(idle))).status).toBe(200);
    advance(8 * 60 * MINUTE + MINUTE);
    expect((await env.request('GET', '/api/v1/me', asSession(idle))).status).toBe(401);

    const busy = await signInAs(env, 'staff');
    for (let h = 0; h < 7 * 24; h += 6) {
      expect((await env.request('GET', '/api/v1/me', asSession(busy))).status, `hour ${h}`).toBe(
        200,
      );
      advance(6 * 60 * MINUTE);
    }
    expect((await env.request('GET', '/api/v1/me', asSession(busy))).status).toBe(401);
  });

  it('disabling a user ends their sessions at once; the last active admin user cannot be disabled', async () => {
    const a = await signInAs(env, 'admin');
    const list = await env.request('GET', '/api/v1/users?limit=500');
    const admins = list.body.items.filter(
      (u: { role: string; active: boolean }) => u.role === 'admin' && u.active,
    );
    // Disable every other admin user, then the last one is refused.
    for (const u of admins.filter((u: { id: number }) => u.id !== a.userId))
      expect((await env.request('POST', `/api/v1/users/${u.id}/disable`)).status).toBe(200);
    const last = await env.request('POST', `/api/v1/users/${a.userId}/disable`);
    expect(last.status).toBe(409);
    expect(last.body.detail).toMatch(/last active admin/);

    const b = await signInAs(env, 'admin');
    expect((await env.request('GET', '/api/v1/users', asSession(a))).status).toBe(200);
    const off = await env.request('POST', `/api/v1/users/${a.userId}/disable`, asSession(b));
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    expect((await env.request('GET', '/api/v1/users', asSession(a))).status).toBe(401);
    const again = await env.request('POST', '/login', {
      key: null,
      body: { email: a.email, password: a.password },
    });
    expect(again.body.detail).toBe(SIGN_IN_REFUSED);
  });

  it('users: bad input is named in words and writes nothing', async () => {
    const before = await count('users');
    const bad = await env.request('POST', '/api/v1/users', {
      body: { email: 'not-an-email', role: 'boss' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'email',
      'role',
    ]);
    const manager = await env.request('POST', '/api/v1/users', {
      body: { email: 'mgr-no-rep@example.com', role: 'manager' },
    });
    expect(manager.status).toBe(422);
    expect(manager.body.errors[0].field).toBe('repId');
    const rep = await env.request('POST', '/api/v1/users', {
      body: { email: 'rep-code@example.com', role: 'staff', repCode: 'NO-SUCH-REP' },
    });
    expect(rep.status).toBe(422);
    expect(rep.body.errors[0]).toMatchObject({ field: 'repCode' });
    expect(await count('users')).toBe(before);

    const first = await env.request('POST', '/api/v1/users', {
      body: { email: 'twice@example.com', role: 'staff', repCode: 'TEST-MANAGER' },
    });
    expect(first.status).toBe(201);
    expect(first.body.repId).not.toBeNull();
    const dup = await env.request('POST', '/api/v1/users', {
      body: { email: 'TWICE@example.com', role: 'staff' },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.errors[0].field).toBe('email');
    expect(dup.text).not.toMatch(/users_email|23505|duplicate key/);
  });

  it('reset-password gives a new link; the old one stops working; the page says so', async () => {
    const created = await env.request('POST', '/api/v1/users', {
      body: { email: 'reset-me@example.com', role: 'staff' },
    });
    const old = new URL(created.body.setPasswordUrl).searchParams.get('token')!;
    const reset = await env.request('POST', `/api/v1/users/${created.body.id}/reset-password`);
    expect(reset.status).toBe(200);
    const fresh = new URL(reset.body.setPasswordUrl).searchParams.get('token')!;
    expect(fresh).not.toBe(old);
    const oldPage = await env.request('GET', `/set-password?token=${old}`, { key: null });
    expect(oldPage.status).toBe(404);
    expect(oldPage.text).toContain('This link does not work');
    advance(25 * 60 * MINUTE); // links work for 24 h
    const late = await env.request('POST', '/set-password', {
      key: null,
      body: { token: fresh, password: 'violet mountain sky 3' },
    });
    expect(late.status).toBe(422);
    expect(late.body.errors[0].field).toBe('token');
  });

  it('pages and API answers carry the security headers; the policy allows no eval and no foreign scripts', async () => {
    for (const path of ['/login', '/api/v1/openapi.json', '/health']) {
      const r = await env.request('GET', path, { key: null });
      const csp = r.headers.get('content-security-policy')!;
      expect(csp, path).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toMatch(/style-src 'self' 'nonce-[A-Za-z0-9+/=]{24}'/);
      expect(csp).not.toMatch(/unsafe-eval|unsafe-inline/);
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('referrer-policy')).toBe('same-origin');
    }
    const a = await env.request('GET', '/login', { key: null });
    const b = await env.request('GET', '/login', { key: null });
    expect(a.headers.get('content-security-policy')).not.toBe(
      b.headers.get('content-security-policy'),
    );
  });

  it('what is public is what the routes declare: pages and sign-in need no key; the rest does', async () => {
    for (const [method, path, status] of [
      ['GET', '/login', 200],
      ['GET', '/assets/app.css', 200],
      ['GET', '/health', 200],
      ['GET', '/', 303],
      ['GET', '/account', 303],
      ['GET', '/api/v1/users', 401],
      ['POST', '/logout', 401],
    ] as const) {
      const r = await env.request(method, path, { key: null });
      expect(r.status, `${method} ${path}`).toBe(status);
    }
    // A revoked key sent to a public page is ignored there, as on /health.
    const r = await env.request('GET', '/login', { key: 'so_dead_beef' });
    expect(r.status).toBe(200);
  });

  it('no session rows are left open by a failed sign-in', async () => {
    const before = await count('sessions');
    await env.request('POST', '/login', {
      key: null,
      body: { email: 'nobody@example.com', password: 'x'.repeat(20) },
    });
    expect(await count('sessions')).toBe(before);
  });
});

describe('sign-in: request log', () => {
  it('never writes a token or CSRF value from the URL', async () => {
    const { redactUrl } = await import('../api/request-log.ts');
    expect(redactUrl('/login?token=abc123&next=%2F')).toBe('/login?token=[redacted]&next=%2F');
    expect(redactUrl('/set-password?x=1&TOKEN=abc#frag')).toBe(
      '/set-password?x=1&TOKEN=[redacted]#frag',
    );
    expect(redactUrl('/logout?_csrf=zz')).toBe('/logout?_csrf=[redacted]');
  });
});

/**
 * Sign-in behind a proxy that ends HTTPS (SALESOPS_TRUST_PROXY, SALESOPS_PUBLIC_URL): the cookie
 * is Secure for HTTPS visitors, links are printed on the public URL and its Origin is accepted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnv, type TestEnv } from './support/harness.ts';
import { asSession, signInAs } from './support/sessions.ts';

describe('sign-in behind a proxy (SALESOPS_TRUST_PROXY, SALESOPS_PUBLIC_URL)', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv('embedded', {
      env: { SALESOPS_TRUST_PROXY: 'true', SALESOPS_PUBLIC_URL: 'https://sales.example.com/' },
    });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('marks the cookie Secure for HTTPS visitors, prints links on the public URL and accepts its Origin', async () => {
    const created = await env.request('POST', '/api/v1/users', {
      body: { email: 'proxy@example.com', role: 'staff' },
    });
    expect(created.body.setPasswordUrl).toMatch(
      /^https:\/\/sales\.example\.com\/set-password\?token=/,
    );
    const s = await signInAs(env, 'staff');
    const r = await env.request('POST', '/login', {
      key: null,
      body: { email: s.email, password: s.password },
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(r.headers.getSetCookie()[0]).toMatch(/; Secure/);
    const write = await env.request('POST', '/api/v1/customers', {
      ...asSession(s, { origin: 'https://sales.example.com' }),
      body: { code: 'PROXY-1', name: 'Proxy Probe Ltd', country: 'GB' },
    });
    expect(write.status, write.text).toBe(201);
  });
});

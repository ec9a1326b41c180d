/**
 * Signed-in browser sessions for tests: a user made through the real services, signed in through
 * the real POST /login, so a test holds exactly what a browser would (the cookie) plus the CSRF
 * token a page would give its scripts.
 */
import { expect } from 'vitest';
import type { Role } from '../../db/schema.ts';
import { createUser } from '../../api/users/service.ts';
import { nowOf } from '../../context.ts';
import type { TestEnv, TestResponse } from './harness.ts';

export interface Session {
  userId: number;
  email: string;
  password: string;
  /** `salesops_session=…`, as a Cookie header. */
  cookie: string;
  csrf: string;
}

let serial = 0;

/** Create a user (optionally with a rep) through the API, set its password and sign in. */
export async function signInAs(
  env: TestEnv,
  role: Role,
  opts: { repId?: number | null; email?: string; password?: string } = {},
): Promise<Session> {
  const email = opts.email ?? `${role}-${process.pid}-${++serial}@example.com`;
  const password = opts.password ?? 'plum orchard lantern 7';
  const created = await createUser(
    env.ops.db,
    nowOf(env.ctx),
    { email, role, repId: opts.repId ?? null },
    null,
  );
  const token = new URL(`http://x${created.link.path}`).searchParams.get('token')!;
  const set = await env.request('POST', '/set-password', { key: null, body: { token, password } });
  expect(set.status, set.text).toBe(200);
  return { userId: created.user.id, email, password, ...(await login(env, email, password)) };
}

/** POST /login as JSON → the cookie and CSRF token. */
export async function login(
  env: TestEnv,
  email: string,
  password: string,
): Promise<{ cookie: string; csrf: string }> {
  const r = await env.request('POST', '/login', { key: null, body: { email, password } });
  expect(r.status, r.text).toBe(200);
  return { cookie: sessionCookie(r), csrf: r.body.csrfToken as string };
}

/** The `salesops_session=…` pair an answer sets. */
export function sessionCookie(r: TestResponse): string {
  const set = r.headers.getSetCookie().find((c) => c.startsWith('salesops_session='));
  if (!set) throw new Error(`no session cookie in the answer (${r.status})`);
  return set.split(';')[0]!;
}

/** Request options that authenticate as `s` the way a page's script does. */
export function asSession(s: { cookie: string; csrf: string }, extra: Record<string, string> = {}) {
  return { key: null, headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, ...extra } };
}

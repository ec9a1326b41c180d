/**
 * Failed sign-ins (issue #13), through the real app on both databases: an unknown email and a
 * wrong password get the same answer, 10 failures within 15 minutes lock the account for 15
 * minutes (guesses sent at once included, and wrong current passwords when one is changed), and
 * failures spread wider do not. Time is the context's clock, moved by the test, as in
 * test/sign-in.test.ts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import { MAX_FAILURES, SIGN_IN_REFUSED } from '../api/sessions/service.ts';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import { asSession, signInAs } from './support/sessions.ts';

const MINUTE = 60_000;

describeBoth('sign-in: failures and the lock', (kind) => {
  let env: TestEnv;
  let now = Date.now();
  const advance = (ms: number) => (now += ms);

  beforeAll(async () => {
    env = await startTestEnv(kind, { clock: () => new Date(now) });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('an unknown email and a wrong password get the same answer; 10 failures lock the account for 15 minutes', async () => {
    const s = await signInAs(env, 'analyst');
    const attempt = (email: string, password: string) =>
      env.request('POST', '/login', { key: null, body: { email, password } });
    const unknown = await attempt('nobody-here@example.com', 'whatever it is 1');
    const wrong = await attempt(s.email, 'whatever it is 1');
    expect([unknown.status, wrong.status]).toEqual([401, 401]);
    expect(unknown.body.detail).toBe(SIGN_IN_REFUSED);
    expect(wrong.body.detail).toBe(unknown.body.detail);

    for (let i = 1; i < MAX_FAILURES; i++) await attempt(s.email, `wrong guess ${i} aaaa`);
    // Locked now: the right password is refused, with the same words.
    const locked = await attempt(s.email, s.password);
    expect(locked.status).toBe(401);
    expect(locked.body.detail).toBe(SIGN_IN_REFUSED);
    const user = await env.request('GET', `/api/v1/users/${s.userId}`);
    expect(user.body.lockedUntil).not.toBeNull();
    const actions = await env.ops.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity', '=', 'user')
      .where('entity_id', '=', String(s.userId))
      .execute();
    expect(actions.filter((a) => a.action === 'sign_in_failed')).toHaveLength(MAX_FAILURES + 1);
    expect(actions.filter((a) => a.action === 'lock')).toHaveLength(1);
    expect(actions.some((a) => a.action === 'sign_in')).toBe(true);

    advance(14 * MINUTE);
    expect((await attempt(s.email, s.password)).status).toBe(401);
    advance(2 * MINUTE);
    expect((await attempt(s.email, s.password)).status).toBe(200);
  });

  it('guesses sent all at once: only the first 10 are checked against the password, the rest meet the lock', async () => {
    advance(60 * MINUTE); // a clean window for everyone signed in above
    const s = await signInAs(env, 'analyst');
    const answers = await Promise.all(
      Array.from({ length: MAX_FAILURES + 6 }, (_, i) =>
        env.request('POST', '/login', {
          key: null,
          body: { email: s.email, password: `parallel guess ${i} q` },
        }),
      ),
    );
    expect(answers.every((a) => a.status === 401)).toBe(true);
    const reasons = await env.ops.db
      .selectFrom('audit_log')
      .select(sql<string>`diff->'reason'->>'to'`.as('reason'))
      .where('entity', '=', 'user')
      .where('entity_id', '=', String(s.userId))
      .where('action', '=', 'sign_in_failed')
      .execute();
    expect(reasons.filter((r) => r.reason === 'wrong_password')).toHaveLength(MAX_FAILURES);
    expect(reasons.filter((r) => r.reason === 'locked')).toHaveLength(6);
    const right = await env.request('POST', '/login', {
      key: null,
      body: { email: s.email, password: s.password },
    });
    expect(right.status).toBe(401);
  });

  it('a password is set only by its own browser session, and wrong current passwords count toward the lock', async () => {
    advance(60 * MINUTE);
    const s = await signInAs(env, 'staff');
    const key = await env.request('POST', '/api/v1/api-keys', {
      body: { name: 'owned', role: 'staff', userId: s.userId },
    });
    expect(key.status, key.text).toBe(201);
    const byKey = await env.request('POST', '/account/password', {
      key: key.body.key,
      body: { password: 'taken over by key 1', currentPassword: s.password },
    });
    expect(byKey.status).toBe(403);
    for (let i = 0; i < MAX_FAILURES; i++) {
      const r = await env.request('POST', '/account/password', {
        ...asSession(s),
        body: { password: 'brand new phrase 77', currentPassword: `guess ${i} abcdefgh` },
      });
      expect(r.status).toBe(422);
      expect(r.body.errors[0].field).toBe('currentPassword');
    }
    const locked = await env.request('POST', '/login', {
      key: null,
      body: { email: s.email, password: s.password },
    });
    expect(locked.status).toBe(401);
  });

  it('failures spread over more than 15 minutes do not lock', async () => {
    const s = await signInAs(env, 'analyst');
    for (let i = 0; i < MAX_FAILURES + 2; i++) {
      await env.request('POST', '/login', {
        key: null,
        body: { email: s.email, password: `nope nope ${i} zz` },
      });
      advance(2 * MINUTE);
    }
    const ok = await env.request('POST', '/login', {
      key: null,
      body: { email: s.email, password: s.password },
    });
    expect(ok.status).toBe(200);
  });
});

/**
 * The role × route matrix, read from the table in docs/access.md and checked cell by cell against the
 * running app (401 without a key, 403 for each role not allowed, through the role gate for each
 * role allowed) and against the OpenAPI document's x-roles — every route under /api/v1, so the
 * table cannot drift and a new route cannot go unlisted. Scopes (_team_, _own_): see
 * access-scope.test.ts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROLES, type Role } from '../db/schema.ts';
import { documentedRoles, matrixRows, readMatrix } from './support/access-matrix.ts';
import {
  probesFor,
  seedAccessWorld,
  type AccessWorld,
  type Probe,
} from './support/access-world.ts';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import { asSession, signInAs, type Session } from './support/sessions.ts';

const MATRIX = readMatrix();

describeBoth('access: role × route matrix', (kind) => {
  let env: TestEnv;
  let seeded: AccessWorld;
  let probes: Record<string, Probe>;
  /** A signed-in user per role, with the rep of that role's key: the same rights, by cookie. */
  const sessionOf = {} as Record<Role, Session>;

  beforeAll(async () => {
    env = await startTestEnv(kind, { jobs: true, env: { SALESOPS_SCHEDULER: 'off' } });
    seeded = await seedAccessWorld(env);
    probes = probesFor(seeded);
    for (const role of ROLES) {
      const me = await env.request('GET', '/api/v1/me', { key: seeded.keyOf[role] });
      sessionOf[role] = await signInAs(env, role, { repId: me.body.repId });
    }
  });
  afterAll(async () => {
    await env?.close();
  });

  it('the access matrix (docs/access.md) lists every /api/v1 route of the OpenAPI document once, with its roles', async () => {
    const doc = (await env.request('GET', '/api/v1/openapi.json', { key: null })).body;
    const documented = documentedRoles(doc);
    const listed = MATRIX.map((r) => r.route);
    expect(
      listed.filter((r, i) => listed.indexOf(r) !== i),
      'listed twice',
    ).toEqual([]);
    const unlisted = new Map([...documented].filter(([route]) => !listed.includes(route)));
    expect(matrixRows(unlisted), 'routes missing from the table in docs/access.md').toEqual([]);
    expect(
      listed.filter((route) => !documented.has(route)),
      'docs/access.md rows for routes that do not exist',
    ).toEqual([]);
    for (const row of MATRIX)
      expect([...row.allowed].sort(), row.route).toEqual([...documented.get(row.route)!].sort());
  });

  it('every docs/access.md row has a probe, and every probe a row', () => {
    expect(Object.keys(probes).sort()).toEqual(MATRIX.map((r) => r.route).sort());
  });

  for (const row of MATRIX) {
    const refused = ROLES.filter((r) => !row.allowed.has(r));
    it(`${row.route}: 401 without a key, 403 for ${refused.join(', ') || 'no role'}`, async () => {
      const probe = probes[row.route];
      if (!probe) throw new Error(`no probe for ${row.route}`);
      const call = (key: string | null) =>
        env.request(row.method, probe.url, { key, body: probe.body });
      const none = await call(null);
      expect(none.status, `${row.route} without a key`).toBe(401);
      expect(none.headers.get('content-type')).toMatch(/problem\+json/);
      for (const role of ROLES) {
        // The same cell, asked with the role's API key and with a browser session of that role.
        for (const [how, r] of [
          ['key', await call(seeded.keyOf[role])],
          [
            'session',
            await env.request(row.method, probe.url, {
              ...asSession(sessionOf[role]),
              body: probe.body,
            }),
          ],
        ] as const) {
          const who = `${row.route} as ${role} (${how})`;
          if (!row.allowed.has(role)) {
            expect(r.status, who).toBe(403);
            expect(r.body.detail).toContain(`role ${role}`);
          } else {
            expect(r.status, `${who}: ${r.text.slice(0, 300)}`).toBe(probe.status);
          }
        }
      }
    });
  }
});

/**
 * The role × route matrix, read from the table in docs/access.md and checked cell by cell against the
 * running app (401 without a key, 403 for each role not allowed, through the role gate for each
 * role allowed) and against the OpenAPI document's x-roles — every route under /api/v1, so the
 * table cannot drift and a new route cannot go unlisted. Scopes (_team_, _own_): see
 * access-scope.test.ts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROLES } from '../db/schema.ts';
import { documentedRoles, matrixRows, readMatrix } from './support/access-matrix.ts';
import {
  probesFor,
  seedAccessWorld,
  type AccessWorld,
  type Probe,
} from './support/access-world.ts';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';

const MATRIX = readMatrix();

describeBoth('access: role × route matrix', (kind) => {
  let env: TestEnv;
  let seeded: AccessWorld;
  let probes: Record<string, Probe>;

  beforeAll(async () => {
    env = await startTestEnv(kind, { jobs: true, env: { SALESOPS_SCHEDULER: 'off' } });
    seeded = await seedAccessWorld(env);
    probes = probesFor(seeded);
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
        const r = await call(seeded.keyOf[role]);
        if (!row.allowed.has(role)) {
          expect(r.status, `${row.route} as ${role}`).toBe(403);
          expect(r.body.detail).toContain(`role ${role}`);
        } else {
          expect(r.status, `${row.route} as ${role}: ${r.text.slice(0, 300)}`).toBe(probe.status);
        }
      }
    });
  }
});

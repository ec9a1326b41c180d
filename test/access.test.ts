/**
 * The role × route matrix, read from the README table and checked cell by cell against the
 * running app (401 without a key, 403 for each role not allowed, through the role gate for each
 * role allowed) and against the OpenAPI document's x-roles — so the README cannot drift. Then
 * every route that takes a team-scoped record id answers 404 (never 403) for another team's.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROLES, type Role } from '../db/schema.ts';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import { insertCustomer, seedTeams, type TeamWorld } from './crm-fixtures.ts';

interface MatrixRow {
  method: string;
  path: string; // OpenAPI style, /api/v1/customers/{id}
  allowed: Set<Role>;
}

/** Parse the table between the role-matrix markers of README.md. */
function readMatrix(): MatrixRow[] {
  const readme = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const table = readme.split('<!-- role-matrix:start -->')[1]?.split('<!-- role-matrix:end -->')[0];
  if (!table) throw new Error('README.md has no role-matrix table');
  const lines = table.split('\n').filter((l) => l.startsWith('| `'));
  return lines.map((line) => {
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    const m = /^`(GET|POST|PUT|PATCH|DELETE) (\S+)`$/.exec(cells[0]!);
    if (!m || cells.length !== 1 + ROLES.length) throw new Error(`bad matrix row: ${line}`);
    const header = ['admin', 'manager', 'staff', 'analyst', 'executive'] as const;
    return {
      method: m[1]!,
      path: m[2]!,
      allowed: new Set(header.filter((_, i) => cells[i + 1] !== '—')),
    };
  });
}

const MATRIX = readMatrix();
const MY_TAGS = [
  'auth',
  'customers',
  'activities',
  'follow-up rules',
  'opportunities',
  'teams',
  'audit',
];
const NOWHERE = 999_999_999;

/** How an allowed role probes a route: the URL, a body, and the answer that proves it got past the role gate. */
interface Probe {
  url: string;
  body?: unknown;
  status: number;
}

describeBoth('access: role × route matrix', (kind) => {
  let env: TestEnv;
  let world: TeamWorld;
  let keyOf: Record<Role, string>;
  let probes: Record<string, Probe>;
  const ids = {} as Record<string, number>;

  beforeAll(async () => {
    env = await startTestEnv(kind);
    world = await seedTeams(env);
    // Keys tied to North reps, so North's records are in scope for every allowed role.
    keyOf = {
      admin: env.keys.admin,
      manager: world.keys.managerN,
      staff: world.keys.staffN1,
      analyst: env.keys.analyst,
      executive: env.keys.executive,
    };
    const db = env.ops.db;
    const admin = async (method: string, path: string, body?: unknown) => {
      const r = await env.request(method, `/api/v1${path}`, { body });
      expect(r.status, `${method} ${path}: ${r.text}`).toBeLessThan(300);
      return r.body.id as number;
    };
    // North (in scope) and South (out of scope for North's keys) records.
    for (const [side, rep] of [
      ['N', world.reps.n1],
      ['S', world.reps.s1],
    ] as const) {
      ids[`customer${side}`] = await insertCustomer(env, { owner: rep });
      ids[`contact${side}`] = await admin('POST', `/customers/${ids[`customer${side}`]}/contacts`, {
        name: 'C',
      });
      ids[`activity${side}`] = await admin('POST', '/activities', {
        type: 'task',
        subject: 'T',
        customerId: ids[`customer${side}`],
        ownerRepId: rep,
      });
      ids[`opportunity${side}`] = await admin('POST', '/opportunities', {
        customerId: ids[`customer${side}`],
        title: 'O',
        ownerRepId: rep,
      });
      ids[`quota${side}`] = await admin('POST', '/quotas', {
        repId: rep,
        periodType: 'year',
        periodStart: '2030-01-01',
        amount: '100',
      });
    }
    ids.teammateOpportunity = await admin('POST', '/opportunities', {
      customerId: ids.customerN,
      title: 'Teammate',
      ownerRepId: world.reps.n2,
    });
    ids.deletedS = await insertCustomer(env, { owner: world.reps.s1 });
    await db
      .updateTable('customers')
      .set({ deleted_at: new Date() })
      .where('id', '=', ids.deletedS)
      .execute();
    ids.rule = await admin('POST', '/followup-rules', {
      name: 'probe',
      trigger: 'customer_created',
      active: false,
      action: { activityType: 'task', subject: 'x' },
    });

    // Writes probe with an invalid body (400: past the role gate, nothing written) or a missing
    // id (404); reads must succeed.
    const bogus = { __probe: true };
    const c = ids.customerN;
    probes = {
      'GET /api/v1/me': { url: '/api/v1/me', status: 200 },
      'GET /api/v1/api-keys': { url: '/api/v1/api-keys', status: 200 },
      'POST /api/v1/api-keys': { url: '/api/v1/api-keys', body: bogus, status: 400 },
      'DELETE /api/v1/api-keys/{id}': { url: `/api/v1/api-keys/${NOWHERE}`, status: 404 },
      'GET /api/v1/customers': { url: '/api/v1/customers', status: 200 },
      'POST /api/v1/customers': { url: '/api/v1/customers', body: bogus, status: 400 },
      'GET /api/v1/customers/{id}': { url: `/api/v1/customers/${c}`, status: 200 },
      'PATCH /api/v1/customers/{id}': { url: `/api/v1/customers/${c}`, body: bogus, status: 400 },
      'DELETE /api/v1/customers/{id}': { url: `/api/v1/customers/${NOWHERE}`, status: 404 },
      'POST /api/v1/customers/{id}/restore': {
        url: `/api/v1/customers/${NOWHERE}/restore`,
        status: 404,
      },
      'GET /api/v1/customers/{id}/timeline': {
        url: `/api/v1/customers/${c}/timeline`,
        status: 200,
      },
      'GET /api/v1/customers/{id}/contacts': {
        url: `/api/v1/customers/${c}/contacts`,
        status: 200,
      },
      'POST /api/v1/customers/{id}/contacts': {
        url: `/api/v1/customers/${c}/contacts`,
        body: bogus,
        status: 400,
      },
      'PATCH /api/v1/customers/{id}/contacts/{contactId}': {
        url: `/api/v1/customers/${c}/contacts/${ids.contactN}`,
        body: bogus,
        status: 400,
      },
      'DELETE /api/v1/customers/{id}/contacts/{contactId}': {
        url: `/api/v1/customers/${c}/contacts/${NOWHERE}`,
        status: 404,
      },
      'GET /api/v1/activities': { url: '/api/v1/activities', status: 200 },
      'POST /api/v1/activities': { url: '/api/v1/activities', body: bogus, status: 400 },
      'GET /api/v1/activities/{id}': { url: `/api/v1/activities/${ids.activityN}`, status: 200 },
      'PATCH /api/v1/activities/{id}': {
        url: `/api/v1/activities/${ids.activityN}`,
        body: bogus,
        status: 400,
      },
      'DELETE /api/v1/activities/{id}': { url: `/api/v1/activities/${NOWHERE}`, status: 404 },
      'GET /api/v1/followup-rules': { url: '/api/v1/followup-rules', status: 200 },
      'POST /api/v1/followup-rules': { url: '/api/v1/followup-rules', body: bogus, status: 400 },
      'GET /api/v1/followup-rules/{id}': { url: `/api/v1/followup-rules/${ids.rule}`, status: 200 },
      'PATCH /api/v1/followup-rules/{id}': {
        url: `/api/v1/followup-rules/${ids.rule}`,
        body: bogus,
        status: 400,
      },
      'DELETE /api/v1/followup-rules/{id}': {
        url: `/api/v1/followup-rules/${NOWHERE}`,
        status: 404,
      },
      'POST /api/v1/followup-rules/apply': { url: '/api/v1/followup-rules/apply', status: 200 },
      'GET /api/v1/opportunities': { url: '/api/v1/opportunities', status: 200 },
      'POST /api/v1/opportunities': { url: '/api/v1/opportunities', body: bogus, status: 400 },
      'GET /api/v1/opportunities/{id}': {
        url: `/api/v1/opportunities/${ids.opportunityN}`,
        status: 200,
      },
      'PATCH /api/v1/opportunities/{id}': {
        url: `/api/v1/opportunities/${ids.opportunityN}`,
        body: bogus,
        status: 400,
      },
      'DELETE /api/v1/opportunities/{id}': { url: `/api/v1/opportunities/${NOWHERE}`, status: 404 },
      'GET /api/v1/reps': { url: '/api/v1/reps', status: 200 },
      'POST /api/v1/reps': { url: '/api/v1/reps', body: bogus, status: 400 },
      'GET /api/v1/reps/{id}': { url: `/api/v1/reps/${world.reps.n1}`, status: 200 },
      'PATCH /api/v1/reps/{id}': { url: `/api/v1/reps/${world.reps.n1}`, body: bogus, status: 400 },
      'GET /api/v1/teams': { url: '/api/v1/teams', status: 200 },
      'POST /api/v1/teams': { url: '/api/v1/teams', body: bogus, status: 400 },
      'GET /api/v1/teams/{id}': { url: `/api/v1/teams/${world.north}`, status: 200 },
      'PATCH /api/v1/teams/{id}': { url: `/api/v1/teams/${world.north}`, body: bogus, status: 400 },
      'GET /api/v1/quotas': { url: '/api/v1/quotas', status: 200 },
      'POST /api/v1/quotas': { url: '/api/v1/quotas', body: bogus, status: 400 },
      'GET /api/v1/quotas/{id}': { url: `/api/v1/quotas/${ids.quotaN}`, status: 200 },
      'PATCH /api/v1/quotas/{id}': {
        url: `/api/v1/quotas/${ids.quotaN}`,
        body: bogus,
        status: 400,
      },
      'DELETE /api/v1/quotas/{id}': { url: `/api/v1/quotas/${NOWHERE}`, status: 404 },
      'GET /api/v1/audit': { url: '/api/v1/audit', status: 200 },
    };
  });
  afterAll(async () => {
    await env?.close();
  });

  it('the README matrix and the OpenAPI document list the same routes and roles', async () => {
    const doc = (await env.request('GET', '/api/v1/openapi.json', { key: null })).body;
    const documented = new Map<string, Set<string>>();
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(ops)) {
        if (!op.tags?.some((t: string) => MY_TAGS.includes(t)) || !op['x-roles']) continue;
        documented.set(`${method.toUpperCase()} ${path}`, new Set(['admin', ...op['x-roles']]));
      }
    }
    const inReadme = new Map(
      MATRIX.map((r) => [`${r.method} ${r.path}`, r.allowed as Set<string>]),
    );
    expect([...inReadme.keys()].sort()).toEqual([...documented.keys()].sort());
    for (const [route, roles] of inReadme)
      expect([...roles].sort(), route).toEqual([...documented.get(route)!].sort());
  });

  for (const row of MATRIX) {
    it(`${row.method} ${row.path}: 401 without a key, 403 for ${ROLES.filter((r) => !row.allowed.has(r)).join(', ') || 'no role'}`, async () => {
      const route = `${row.method} ${row.path}`;
      const probe = probes[route] ?? {
        url: row.path.replace(/\{\w+\}/g, String(NOWHERE)),
        body: ['POST', 'PUT', 'PATCH'].includes(row.method) ? {} : undefined,
        status: 0,
      };
      const call = (key: string | null) =>
        env.request(row.method, probe.url, { key, body: probe.body });
      const none = await call(null);
      expect(none.status, `${route} without a key`).toBe(401);
      expect(none.headers.get('content-type')).toMatch(/problem\+json/);
      for (const role of ROLES) {
        const r = await call(keyOf[role]);
        if (!row.allowed.has(role)) {
          expect(r.status, `${route} as ${role}`).toBe(403);
          expect(r.body.detail).toContain(`role ${role}`);
        } else if (probe.status) {
          expect(r.status, `${route} as ${role}: ${r.text.slice(0, 300)}`).toBe(probe.status);
        } else {
          expect([401, 403], `${route} as ${role}`).not.toContain(r.status);
          expect(r.status).toBeLessThan(500);
        }
      }
    });
  }

  it("answers 404, not 403, for another team's records — and changes nothing", async () => {
    const s = ids;
    const cases: [string, string, unknown, ('manager' | 'staff')[]][] = [
      ['GET', `/customers/${s.customerS}`, undefined, ['manager', 'staff']],
      ['PATCH', `/customers/${s.customerS}`, { name: 'taken' }, ['manager', 'staff']],
      ['DELETE', `/customers/${s.customerS}`, undefined, ['manager']],
      ['POST', `/customers/${s.deletedS}/restore`, undefined, ['manager']],
      ['GET', `/customers/${s.customerS}/timeline`, undefined, ['manager', 'staff']],
      ['GET', `/customers/${s.customerS}/contacts`, undefined, ['manager', 'staff']],
      ['POST', `/customers/${s.customerS}/contacts`, { name: 'spy' }, ['manager', 'staff']],
      [
        'PATCH',
        `/customers/${s.customerS}/contacts/${s.contactS}`,
        { name: 'x' },
        ['manager', 'staff'],
      ],
      [
        'DELETE',
        `/customers/${s.customerS}/contacts/${s.contactS}`,
        undefined,
        ['manager', 'staff'],
      ],
      ['GET', `/activities/${s.activityS}`, undefined, ['manager', 'staff']],
      ['PATCH', `/activities/${s.activityS}`, { subject: 'x' }, ['manager', 'staff']],
      ['DELETE', `/activities/${s.activityS}`, undefined, ['manager', 'staff']],
      ['GET', `/opportunities/${s.opportunityS}`, undefined, ['manager', 'staff']],
      ['PATCH', `/opportunities/${s.opportunityS}`, { title: 'x' }, ['manager', 'staff']],
      ['DELETE', `/opportunities/${s.opportunityS}`, undefined, ['manager']],
      // Staff see only their own pipeline, even within the team.
      ['GET', `/opportunities/${s.teammateOpportunity}`, undefined, ['staff']],
      ['PATCH', `/opportunities/${s.teammateOpportunity}`, { title: 'x' }, ['staff']],
      ['GET', `/quotas/${s.quotaS}`, undefined, ['manager']],
      ['PATCH', `/quotas/${s.quotaS}`, { amount: '1' }, ['manager']],
      ['DELETE', `/quotas/${s.quotaS}`, undefined, ['manager']],
    ];
    for (const [method, path, body, roles] of cases) {
      for (const role of roles) {
        const r = await env.request(method, `/api/v1${path}`, { key: keyOf[role], body });
        expect(r.status, `${method} ${path} as ${role}: ${r.text.slice(0, 200)}`).toBe(404);
        expect(r.body.detail).toMatch(/was not found/);
      }
    }
    // South's own keys see them, and nothing was changed by the attempts above.
    for (const path of [
      `/customers/${s.customerS}`,
      `/activities/${s.activityS}`,
      `/opportunities/${s.opportunityS}`,
    ]) {
      expect(
        (await env.request('GET', `/api/v1${path}`, { key: world.keys.staffS1 })).status,
        path,
      ).toBe(200);
    }
    expect(
      (await env.request('GET', `/api/v1/quotas/${s.quotaS}`, { key: world.keys.managerS })).body
        .amount,
    ).toBe('100.00');
    const picture = await env.request('GET', `/api/v1/customers/${s.customerS}`, {
      key: world.keys.managerS,
    });
    expect(picture.body.name).toBe('Fixture customer');
    expect(picture.body.contacts.map((c: { name: string }) => c.name)).toEqual(['C']);
    expect(
      (
        await env.request('GET', `/api/v1/customers?owner=${world.reps.s1}`, {
          key: world.keys.managerN,
        })
      ).body.items,
    ).toEqual([]);
  });
});

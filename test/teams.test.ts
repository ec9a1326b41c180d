/** Reps, teams and quotas on both databases. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import { auditRows, seedTeams, uniq, type TeamWorld } from './crm-fixtures.ts';

describeBoth('teams, reps and quotas', (kind) => {
  let env: TestEnv;
  let world: TeamWorld;
  beforeAll(async () => {
    env = await startTestEnv(kind);
    world = await seedTeams(env);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('creates teams and reps (admin), with 409s naming the holder of a name or code', async () => {
    const name = uniq('Team');
    const team = await env.request('POST', '/api/v1/teams', { body: { name } });
    expect(team.status).toBe(201);
    const dup = await env.request('POST', '/api/v1/teams', { body: { name } });
    expect(dup.status).toBe(409);
    expect(dup.body.detail).toContain(`team ${team.body.id}`);
    const code = uniq('R');
    const boss = await env.request('POST', '/api/v1/reps', {
      body: { code, name: 'Boss', email: 'boss@x.test', teamId: team.body.id },
    });
    expect(boss.status).toBe(201);
    expect(boss.body).toMatchObject({
      code,
      teamId: team.body.id,
      active: true,
      managerRepId: null,
    });
    const rep = await env.request('POST', '/api/v1/reps', {
      body: { code: uniq('R'), name: 'Seller', teamId: team.body.id, managerRepId: boss.body.id },
    });
    expect(rep.body.managerRepId).toBe(boss.body.id);
    const sameCode = await env.request('POST', '/api/v1/reps', { body: { code, name: 'Copy' } });
    expect(sameCode.status).toBe(409);
    expect(sameCode.body.detail).toContain(`sales rep ${boss.body.id}`);
    const mgr = await env.request('PATCH', `/api/v1/teams/${team.body.id}`, {
      body: { managerRepId: boss.body.id },
    });
    expect(mgr.body.managerRepId).toBe(boss.body.id);
    const detail = await env.request('GET', `/api/v1/teams/${team.body.id}`, { key: 'executive' });
    expect(detail.body.members.map((m: { id: number }) => m.id)).toEqual([
      boss.body.id,
      rep.body.id,
    ]);
    const off = await env.request('PATCH', `/api/v1/reps/${rep.body.id}`, {
      body: { active: false },
    });
    expect(off.body.active).toBe(false);
    const active = await env.request('GET', `/api/v1/reps?teamId=${team.body.id}&active=true`, {
      key: 'staff',
    });
    expect(active.body.items.map((r: { id: number }) => r.id)).toEqual([boss.body.id]);
    expect((await auditRows(env, 'sales_rep', rep.body.id)).map((a) => a.action)).toEqual([
      'create',
      'update',
    ]);

    // An inactive rep cannot be given new customers.
    const c = await env.request('POST', '/api/v1/customers', {
      body: { code: uniq('C'), name: 'X', ownerRepId: rep.body.id },
    });
    expect(c.status).toBe(422);
    expect(c.body.detail).toMatch(/inactive/);
  });

  it('refuses bad rep and team input', async () => {
    const before = (await env.request('GET', '/api/v1/reps?limit=500')).body.items.length;
    const bad: [string, string, unknown, number][] = [
      ['POST', '/api/v1/reps', { code: '', name: 'x' }, 400],
      ['POST', '/api/v1/reps', { code: 'x', name: 'x', teamId: 999999 }, 422],
      ['POST', '/api/v1/reps', { code: 'x', name: 'x', managerRepId: 999999 }, 422],
      ['POST', '/api/v1/reps', { code: 'x', name: 'x', email: 'nope' }, 400],
      ['PATCH', `/api/v1/reps/${world.reps.n1}`, { managerRepId: world.reps.n1 }, 422],
      ['PATCH', '/api/v1/reps/999999', { name: 'x' }, 404],
      ['POST', '/api/v1/teams', { name: 7 }, 400],
      ['PATCH', '/api/v1/teams/999999', { name: 'x' }, 404],
    ];
    for (const [method, path, body, status] of bad) {
      const r = await env.request(method, path, { body });
      expect(r.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(status);
      expect(r.headers.get('content-type')).toMatch(/problem\+json/);
    }
    expect((await env.request('GET', '/api/v1/reps?limit=500')).body.items.length).toBe(before);
  });

  it('sets quotas per rep or team and period; an overlapping one is a 409 naming the other', async () => {
    const q = await env.request('POST', '/api/v1/quotas', {
      key: world.keys.managerN,
      body: {
        repId: world.reps.n1,
        periodType: 'quarter',
        periodStart: '2026-04-01',
        amount: '30000',
      },
    });
    expect(q.status).toBe(201);
    expect(q.body).toMatchObject({ periodEnd: '2026-07-01', amount: '30000.00', teamId: null });
    const overlap = await env.request('POST', '/api/v1/quotas', {
      key: world.keys.managerN,
      body: { repId: world.reps.n1, periodType: 'quarter', periodStart: '2026-04-01', amount: '1' },
    });
    expect(overlap.status).toBe(409);
    expect(overlap.body.detail).toContain(`quota ${q.body.id}`);
    expect(overlap.body.conflictingQuota.id).toBe(q.body.id);
    // Other granularities and other reps are separate targets.
    for (const body of [
      { repId: world.reps.n1, periodType: 'month', periodStart: '2026-04-01', amount: '10000' },
      { repId: world.reps.n1, periodType: 'year', periodStart: '2026-01-01', amount: '120000' },
      { repId: world.reps.n2, periodType: 'quarter', periodStart: '2026-04-01', amount: '5' },
      { teamId: world.north, periodType: 'quarter', periodStart: '2026-04-01', amount: '90000' },
      { repId: world.reps.n1, periodType: 'quarter', periodStart: '2026-07-01', amount: '1' },
    ]) {
      const r = await env.request('POST', '/api/v1/quotas', { key: world.keys.managerN, body });
      expect(r.status, JSON.stringify(body)).toBe(201);
    }
    const teamDup = await env.request('POST', '/api/v1/quotas', {
      body: { teamId: world.north, periodType: 'quarter', periodStart: '2026-04-01', amount: '1' },
    });
    expect(teamDup.status).toBe(409);
    const misaligned = await env.request('POST', '/api/v1/quotas', {
      body: { repId: world.reps.n1, periodType: 'quarter', periodStart: '2026-05-01', amount: '1' },
    });
    expect(misaligned.status).toBe(422);
    expect(misaligned.body.errors[0].field).toBe('periodStart');

    const changed = await env.request('PATCH', `/api/v1/quotas/${q.body.id}`, {
      key: world.keys.managerN,
      body: { amount: '31000.50' },
    });
    expect(changed.body.amount).toBe('31000.50');
    expect(
      (await env.request('DELETE', `/api/v1/quotas/${q.body.id}`, { key: world.keys.managerN }))
        .status,
    ).toBe(204);
    const again = await env.request('POST', '/api/v1/quotas', {
      key: world.keys.managerN,
      body: { repId: world.reps.n1, periodType: 'quarter', periodStart: '2026-04-01', amount: '2' },
    });
    expect(again.status).toBe(201);
    expect((await auditRows(env, 'quota', q.body.id)).map((a) => a.action)).toEqual([
      'create',
      'update',
      'delete',
    ]);
  });

  it("keeps managers to their own team's quotas", async () => {
    const south = await env.request('POST', '/api/v1/quotas', {
      key: world.keys.managerS,
      body: { repId: world.reps.s1, periodType: 'month', periodStart: '2026-09-01', amount: '10' },
    });
    expect(south.status).toBe(201);
    const grab = await env.request('POST', '/api/v1/quotas', {
      key: world.keys.managerN,
      body: { repId: world.reps.s1, periodType: 'month', periodStart: '2026-10-01', amount: '10' },
    });
    expect(grab.status).toBe(422);
    expect(grab.body.errors[0].field).toBe('repId');
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { amount: '1' }],
      ['DELETE', undefined],
    ] as const) {
      const r = await env.request(method, `/api/v1/quotas/${south.body.id}`, {
        key: world.keys.managerN,
        body,
      });
      expect(r.status, method).toBe(404);
    }
    const northList = await env.request('GET', '/api/v1/quotas?limit=500', {
      key: world.keys.managerN,
    });
    expect(northList.body.items.map((x: { id: number }) => x.id)).not.toContain(south.body.id);
    const all = await env.request('GET', `/api/v1/quotas?repId=${world.reps.s1}`, {
      key: 'executive',
    });
    expect(all.body.items.map((x: { id: number }) => x.id)).toEqual([south.body.id]);
  });

  it('refuses bad quota input and writes nothing', async () => {
    const count = async () =>
      (await env.request('GET', '/api/v1/quotas?limit=500')).body.items.length;
    const before = await count();
    const cases: [unknown, number, string][] = [
      [{ periodType: 'month', periodStart: '2026-01-01', amount: '1' }, 400, 'repId'],
      [
        {
          repId: world.reps.n1,
          teamId: world.north,
          periodType: 'month',
          periodStart: '2026-01-01',
          amount: '1',
        },
        400,
        'repId',
      ],
      [
        { repId: world.reps.n1, periodType: 'week', periodStart: '2026-01-01', amount: '1' },
        400,
        'periodType',
      ],
      [
        { repId: world.reps.n1, periodType: 'month', periodStart: '2026-02-30', amount: '1' },
        400,
        'periodStart',
      ],
      [
        { repId: world.reps.n1, periodType: 'month', periodStart: '2026-01-01', amount: '-1' },
        400,
        'amount',
      ],
      [
        { repId: 999999, periodType: 'month', periodStart: '2026-01-01', amount: '1' },
        422,
        'repId',
      ],
      [
        { teamId: 999999, periodType: 'month', periodStart: '2026-01-01', amount: '1' },
        422,
        'teamId',
      ],
    ];
    for (const [body, status, field] of cases) {
      const r = await env.request('POST', '/api/v1/quotas', { body });
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(r.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect((await env.request('POST', '/api/v1/quotas', { rawBody: 'nope' })).status).toBe(400);
    expect(await count()).toBe(before);
  });
});

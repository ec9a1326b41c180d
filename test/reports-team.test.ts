/**
 * The team report (GET /reports/team) through the real HTTP app, on marts built from the
 * hand-made data set (test/support/warehouse-fixtures.ts), whose rows give every figure below by
 * hand: revenue, quota and attainment, pipeline, win rate, a manager kept to their own team, CSV.
 * One database kind is enough, as for the other reports (test/reports.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnv, type TestEnv } from './support/harness.ts';
import { withConnection } from './support/raw-tables.ts';
import {
  buildFixtureMarts,
  loadSalesFixture,
  seedFixtureTeams,
} from './support/warehouse-fixtures.ts';

describe('team report', () => {
  let env: TestEnv;
  let managerKey: string;

  beforeAll(async () => {
    env = await startTestEnv('embedded');
    managerKey = await seedFixtureTeams(env);
    await withConnection(env.warehouse, loadSalesFixture);
    await buildFixtureMarts(env.warehouse);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('reports team performance for a quarter, team rows first, from events not rep rows', async () => {
    const res = await env.request('GET', '/api/v1/reports/team?period=2026-Q1', { key: 'analyst' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ period: '2026-Q1', periodType: 'quarter' });
    const base = { pipelineValue: '0.00', weightedPipeline: '0.00', won: 0, lost: 0 };
    expect(res.body.rows).toEqual([
      {
        ...base,
        level: 'team',
        teamId: 1,
        teamName: 'North',
        repId: null,
        repName: null,
        revenue: '439.99',
        orders: 3,
        // North has no quarterly quota: Σ its monthly ones, here February's alone (Jan, Mar: none)
        quota: '2000.00',
        attainment: 0.22, // 439.99 ÷ 2000 = 0.219995
        // open at the end of as_of (the quarter holds it): 4 (2000 × 0.25) and 7 (900 × 0.1)
        pipelineValue: '2900.00',
        weightedPipeline: '590.00',
        won: 2,
        lost: 1,
        winRate: 0.6667,
        averageDealSize: '750.00',
        salesCycleDays: 18, // median(26, 10)
        activitiesDone: 3,
      },
      {
        ...base,
        level: 'rep',
        teamId: 1,
        teamName: 'North',
        repId: 10,
        repName: 'Ana',
        revenue: '289.99',
        orders: 1,
        quota: '1000.00',
        attainment: 0.29, // 289.99 ÷ 1000
        pipelineValue: '2900.00',
        weightedPipeline: '590.00',
        won: 2,
        winRate: 1,
        averageDealSize: '750.00',
        salesCycleDays: 18,
        activitiesDone: 2,
      },
      {
        ...base,
        level: 'rep',
        teamId: 1,
        teamName: 'North',
        repId: 11,
        repName: 'Ben',
        revenue: '150.00',
        orders: 2,
        quota: '0.00',
        attainment: null, // a quota of 0
        lost: 1,
        winRate: 0,
        averageDealSize: null,
        salesCycleDays: null,
        activitiesDone: 1,
      },
      {
        ...base,
        level: 'team',
        teamId: 2,
        teamName: 'South',
        repId: null,
        repName: null,
        revenue: '137.50',
        orders: 1,
        quota: '500.00',
        attainment: 0.275, // 137.495 ÷ 500
        pipelineValue: '300.00',
        weightedPipeline: '150.00',
        won: 1,
        winRate: 1,
        averageDealSize: '400.00',
        salesCycleDays: 8,
        activitiesDone: 0,
      },
      {
        ...base,
        level: 'rep',
        teamId: 2,
        teamName: 'South',
        repId: 20,
        repName: 'Cid',
        revenue: '137.50',
        orders: 1,
        quota: null, // its quota is soft-deleted
        attainment: null,
        pipelineValue: '300.00',
        weightedPipeline: '150.00',
        won: 1,
        winRate: 1,
        averageDealSize: '400.00',
        salesCycleDays: 8,
        activitiesDone: 0,
      },
    ]);
  });

  it('matches monthly quotas exactly and scopes a manager to their team', async () => {
    const feb = await env.request('GET', '/api/v1/reports/team?period=2026-02', {
      key: managerKey,
    });
    expect(feb.status).toBe(200);
    expect(
      feb.body.rows.map((r: any) => [
        r.level,
        r.repName,
        r.revenue,
        r.orders,
        r.quota,
        r.attainment,
      ]),
    ).toEqual([
      ['team', null, '0.00', 1, '2000.00', 0],
      ['rep', 'Ana', '0.00', 0, null, null],
      ['rep', 'Ben', '0.00', 1, null, null],
    ]);
    // A year without its own quota: Σ of its quarters' (each its own, else Σ of its months').
    const year = await env.request('GET', '/api/v1/reports/team?period=2026', { key: 'admin' });
    expect(
      year.body.rows.map((r: any) => [r.repName ?? r.teamName, r.quota, r.attainment]),
    ).toEqual([
      ['North', '2000.00', 0.22],
      ['Ana', '1000.00', 0.29],
      ['Ben', '0.00', null],
      ['South', '500.00', 0.275],
      ['Cid', null, null], // its only quota is deleted
    ]);
    const none = await env.request('GET', '/api/v1/reports/team?period=2025-07', { key: 'admin' });
    expect(none.body.rows).toEqual([]);
    const bad = await env.request('GET', '/api/v1/reports/team?period=2026-13', { key: 'admin' });
    expect(bad.status).toBe(400);
  });

  it('serves the team report as CSV with the JSON fields as columns', async () => {
    const res = await env.request('GET', '/api/v1/reports/team?period=2026-Q1&format=csv', {
      key: 'executive',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="team-2026-Q1.csv"');
    expect(res.text.split('\r\n')).toEqual([
      'level,teamId,teamName,repId,repName,revenue,orders,quota,attainment,pipelineValue,' +
        'weightedPipeline,won,lost,winRate,averageDealSize,salesCycleDays,activitiesDone',
      'team,1,North,,,439.99,3,2000.00,0.22,2900.00,590.00,2,1,0.6667,750.00,18,3',
      'rep,1,North,10,Ana,289.99,1,1000.00,0.29,2900.00,590.00,2,0,1,750.00,18,2',
      'rep,1,North,11,Ben,150.00,2,0.00,,0.00,0.00,0,1,0,,,1',
      'team,2,South,,,137.50,1,500.00,0.275,300.00,150.00,1,0,1,400.00,8,0',
      'rep,2,South,20,Cid,137.50,1,,,300.00,150.00,1,0,1,400.00,8,0',
      '',
    ]);
  });

  it('answers a manager asking for another team with no rows (filtered, not 404)', async () => {
    // Reports are aggregates, not records: the manager's scope filters them like any other
    // filter, so another team's report is empty, the same answer as a team with no activity.
    const other = await env.request('GET', '/api/v1/reports/team?period=2026-Q1&team=2', {
      key: managerKey,
    });
    expect(other.status).toBe(200);
    expect(other.body).toEqual({ period: '2026-Q1', periodType: 'quarter', rows: [] });
    const own = await env.request('GET', '/api/v1/reports/team?period=2026-Q1&team=1', {
      key: managerKey,
    });
    expect(own.body.rows.map((r: any) => `${r.level}:${r.repName ?? r.teamName}`)).toEqual([
      'team:North',
      'rep:Ana',
      'rep:Ben',
    ]);
    const admin = await env.request('GET', '/api/v1/reports/team?period=2026-Q1&team=2', {
      key: 'admin',
    });
    expect(admin.body.rows.map((r: any) => r.repName ?? r.teamName)).toEqual(['South', 'Cid']);
    const sales = await env.request('GET', '/api/v1/reports/sales?groupBy=team&team=2', {
      key: managerKey,
    });
    expect(sales.status).toBe(200);
    expect(sales.body.rows).toEqual([]);
  });

  it("keeps one rep's row of the team report with rep=<code>", async () => {
    const ben = await env.request('GET', '/api/v1/reports/team?period=2026-Q1&rep=R-BEN', {
      key: 'analyst',
    });
    expect(ben.status).toBe(200);
    expect(ben.body.rows.map((r: any) => [r.level, r.repName, r.revenue, r.orders])).toEqual([
      ['rep', 'Ben', '150.00', 2],
    ]);
    // A manager's scope still applies: Cid is not in North.
    const cid = await env.request('GET', '/api/v1/reports/team?period=2026-Q1&rep=R-CID', {
      key: managerKey,
    });
    expect(cid.body.rows).toEqual([]);
    const unknown = await env.request('GET', '/api/v1/reports/team?rep=R-NOBODY', {
      key: 'analyst',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([
      { field: 'rep', in: 'query', message: 'no rep with code R-NOBODY' },
    ]);
  });
});

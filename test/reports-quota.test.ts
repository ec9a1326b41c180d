/**
 * The reports on real data, on both databases: a small demo loaded into PostgreSQL / PGlite,
 * changed through the API as users would, ingested into DuckDB, the models built, and the reports
 * read over HTTP. Team report: a quarter's or year's quota is its own quota if one is set, else
 * the sum of the monthly quotas set in it (METRICS: attainment = revenue ÷ quota). CSV: a
 * customer named like a formula is exported neutralised.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadDemo } from '../db/demo/index.ts';
import { runIngest } from '../ingest/run.ts';
import { loadProject } from '../models/engine/project.ts';
import { runProject } from '../models/engine/runner.ts';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';

const EVIL = '=HYPERLINK("http://evil.example","click")';

describeBoth('reports on the demo', (kind) => {
  let env: TestEnv;
  let explicitRep: number; // has a quarterly quota for 2026-Q1 set on top of its monthly ones
  let partialRep: number; // its February 2026 quota is deleted
  let evilCustomer: number;

  beforeAll(async () => {
    env = await startTestEnv(kind);
    // The demo loads only into an empty database: drop the harness manager's key and rep (this
    // suite reads as admin, analyst and executive).
    await sql`DELETE FROM api_keys WHERE rep_id IS NOT NULL`.execute(env.ops.db);
    await sql`DELETE FROM sales_reps`.execute(env.ops.db);
    await loadDemo(env.ops, { orders: 1500, seed: 7, endDate: new Date('2026-07-01T00:00:00Z') });
    const reps = await env.ops.db.selectFrom('sales_reps').select('id').orderBy('id').execute();
    [explicitRep, partialRep] = [Number(reps[1]!.id), Number(reps[2]!.id)];
  }, 120_000);
  afterAll(async () => {
    await env?.close();
  });

  it('changes the data through the API, then ingests and builds', async () => {
    const quarterly = await env.request('POST', '/api/v1/quotas', {
      body: {
        repId: explicitRep,
        periodType: 'quarter',
        periodStart: '2026-01-01',
        amount: '1234.56',
      },
    });
    expect(quarterly.status, quarterly.text).toBe(201);
    const feb = await env.ops.db
      .selectFrom('quotas')
      .select('id')
      .where('rep_id', '=', partialRep)
      .where('period_type', '=', 'month')
      .where(sql<boolean>`period_start = DATE '2026-02-01'`)
      .executeTakeFirstOrThrow();
    expect((await env.request('DELETE', `/api/v1/quotas/${feb.id}`)).status).toBe(204);
    const buyer = await env.ops.db
      .selectFrom('orders')
      .select('customer_id')
      .where('status', '=', 'delivered')
      .orderBy('id')
      .executeTakeFirstOrThrow();
    evilCustomer = Number(buyer.customer_id);
    const renamed = await env.request('PATCH', `/api/v1/customers/${evilCustomer}`, {
      body: { name: EVIL },
    });
    expect(renamed.status, renamed.text).toBe(200);

    await runIngest(env.ops, env.warehouse, { tempDir: env.config.ingestTempDir, safetyLagMs: 0 });
    const run = await runProject(env.warehouse, loadProject(), {
      command: 'build',
      vars: { timezone: 'UTC', as_of: '2026-06-30' },
    });
    expect(run.models.filter((m) => m.status !== 'success').map((m) => m.error)).toEqual([]);
  }, 240_000);

  /** The expected quota per `team:<id>` / `rep:<id>`, computed here from the quotas table. */
  async function expectedQuotas(from: string, to: string, own: 'quarter' | 'year') {
    const rows = await sql<{ who: string; period_type: string; amount: string }>`
      SELECT CASE WHEN rep_id IS NULL THEN 'team:' || team_id ELSE 'rep:' || rep_id END AS who,
             period_type, CAST(CAST(sum(amount) AS numeric(38, 2)) AS text) AS amount
      FROM quotas
      WHERE deleted_at IS NULL AND period_start >= CAST(${from} AS date)
        AND period_start < CAST(${to} AS date)
      GROUP BY 1, 2`.execute(env.ops.db);
    const out = new Map<string, string>();
    for (const r of rows.rows.filter((r) => r.period_type === 'month')) out.set(r.who, r.amount);
    for (const r of rows.rows.filter((r) => r.period_type === own)) out.set(r.who, r.amount);
    return out;
  }

  const key = (r: any) => (r.level === 'rep' ? `rep:${r.repId}` : `team:${r.teamId}`);

  it('gives a quarter the sum of its monthly quotas, or its own quota when one is set', async () => {
    const res = await env.request('GET', '/api/v1/reports/team?period=2026-Q1', { key: 'analyst' });
    expect(res.status).toBe(200);
    const expected = await expectedQuotas('2026-01-01', '2026-04-01', 'quarter');
    expect(res.body.rows.length).toBeGreaterThan(3);
    expect(res.body.rows.every((r: any) => r.quota !== null)).toBe(true);
    expect(Object.fromEntries(res.body.rows.map((r: any) => [key(r), r.quota]))).toEqual(
      Object.fromEntries(expected),
    );
    for (const r of res.body.rows) {
      if (Number(r.quota) === 0) expect(r.attainment).toBeNull();
      else expect(r.attainment).toBeCloseTo(Number(r.revenue) / Number(r.quota), 3);
    }
    const rows = new Map(res.body.rows.map((r: any) => [key(r), r]));
    expect((rows.get(`rep:${explicitRep}`) as any).quota).toBe('1234.56');
    // January and March only: February's quota was deleted
    const months = await sql<{ amount: string }>`
      SELECT CAST(sum(amount) AS text) AS amount FROM quotas
      WHERE rep_id = ${partialRep} AND deleted_at IS NULL AND period_type = 'month'
        AND period_start IN (DATE '2026-01-01', DATE '2026-03-01')`.execute(env.ops.db);
    expect(Number((rows.get(`rep:${partialRep}`) as any).quota)).toBe(
      Number(months.rows[0]!.amount),
    );
  });

  it('gives a year the sum of its quarters, each its own quota or its months', async () => {
    const res = await env.request('GET', '/api/v1/reports/team?period=2025', { key: 'executive' });
    expect(res.status).toBe(200);
    const expected = await expectedQuotas('2025-01-01', '2026-01-01', 'year');
    expect(res.body.rows.every((r: any) => r.quota !== null && r.attainment !== null)).toBe(true);
    expect(Object.fromEntries(res.body.rows.map((r: any) => [key(r), r.quota]))).toEqual(
      Object.fromEntries(expected),
    );
    for (const r of res.body.rows)
      expect(r.attainment).toBeCloseTo(Number(r.revenue) / Number(r.quota), 3);
    // 2026 so far: the quarterly quota replaces that rep's Q1 months, Q2 still counts its months
    const y26 = await env.request('GET', '/api/v1/reports/team?period=2026', { key: 'analyst' });
    const q2 = await sql<{ amount: string }>`
      SELECT CAST(sum(amount) AS text) AS amount FROM quotas
      WHERE rep_id = ${explicitRep} AND deleted_at IS NULL AND period_type = 'month'
        AND period_start >= DATE '2026-04-01' AND period_start < DATE '2027-01-01'`.execute(
      env.ops.db,
    );
    const rep = y26.body.rows.find((r: any) => r.repId === explicitRep);
    expect(Number(rep.quota)).toBeCloseTo(1234.56 + Number(q2.rows[0]!.amount ?? 0), 2);
  });

  it('exports a customer named like a formula as text that does not run', async () => {
    const res = await env.request(
      'GET',
      '/api/v1/reports/sales?groupBy=customer&format=csv&from=2024-01-01',
      { key: 'analyst' },
    );
    expect(res.status).toBe(200);
    const { code } = await env.ops.db
      .selectFrom('customers')
      .select('code')
      .where('id', '=', evilCustomer)
      .executeTakeFirstOrThrow();
    const line = res.text.split('\r\n').find((l) => l.startsWith(`${evilCustomer},`));
    expect(line).toMatch(
      new RegExp(
        `^${evilCustomer},${code},"'=HYPERLINK\\(""http://evil\\.example"",""click""\\)",\\d+\\.\\d{2},\\d+,\\d+$`,
      ),
    );
    const json = await env.request('GET', '/api/v1/reports/sales?groupBy=customer', {
      key: 'analyst',
    });
    // JSON is data, not a spreadsheet: the name stays as it was typed
    expect(json.body.rows.find((r: any) => r.key === evilCustomer).label).toBe(EVIL);
    // Every row carries the customer's code, which tells apart customers named alike.
    const codes = json.body.rows.map((r: any) => r.code);
    expect(codes.every((c: unknown) => typeof c === 'string')).toBe(true);
    expect(new Set(codes).size).toBe(codes.length);
  });
});

/**
 * The segment run's scores in the customer API (api/customers/scores.ts), on both databases:
 * GET customers/{id} and every list item carry segment, RFM scores, cluster and churn risk of the
 * newest succeeded run, with that run; the list filters on segment and churn risk, pages by id
 * through the filtered customers exactly, keeps to the caller's team, and says in words what is
 * wrong with a filter (400) or why there is nothing to filter on yet (503).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RFM_SEGMENTS } from '../segment/rfm-segments.ts';
import { insertCustomer, seedTeams, type TeamWorld } from './crm-fixtures.ts';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import { insertScoreRun } from './support/segment-scores.ts';

describeBoth('customer scores in the API', (kind) => {
  let env: TestEnv;
  let world: TeamWorld;
  /** North customers (rep n1), South ones (rep s1), and one no run has scored. */
  const north: number[] = [];
  const south: number[] = [];
  let unscored: number;
  let oldOnly: number;
  let newest: number;

  beforeAll(async () => {
    env = await startTestEnv(kind);
    world = await seedTeams(env);
    for (let i = 0; i < 7; i++) north.push(await insertCustomer(env, { owner: world.reps.n1 }));
    for (let i = 0; i < 3; i++) south.push(await insertCustomer(env, { owner: world.reps.s1 }));
    unscored = await insertCustomer(env, { owner: world.reps.n1 });
    oldOnly = await insertCustomer(env, { owner: world.reps.n1 });
  });
  afterAll(async () => {
    await env?.close();
  });

  const list = async (query: string, key = 'admin') => {
    const r = await env.request('GET', `/api/v1/customers?${query}`, { key });
    expect(r.status, r.text).toBe(200);
    return r.body as { items: Record<string, any>[]; nextCursor: string | null };
  };
  /** Every id a filtered list answers, page by page with `limit`. */
  const allIds = async (query: string, limit: number, key = 'admin') => {
    const ids: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(`${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, key);
      expect(page.items.length).toBeLessThanOrEqual(limit);
      ids.push(...page.items.map((c) => c.id as number));
      cursor = page.nextCursor;
    } while (cursor);
    return ids;
  };

  it('before any segment run: null scores, and a filter on them is a 503 naming the segment job', async () => {
    const one = await env.request('GET', `/api/v1/customers/${north[0]}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      segment: null,
      rfm: null,
      cluster: null,
      churnRisk: null,
      scoreRun: null,
    });
    const page = await list('limit=500');
    expect(page.items.find((c) => c.id === north[0])).toMatchObject({
      segment: null,
      scoreRun: null,
    });
    const filtered = await env.request('GET', '/api/v1/customers?segment=at_risk&churnRiskMin=0.6');
    expect(filtered.status).toBe(503);
    expect(filtered.headers.get('content-type')).toMatch(/problem\+json/);
    expect(filtered.body.detail).toContain('no segment run has succeeded yet');
    expect(filtered.body.detail).toContain('segment and churnRiskMin');
    expect(filtered.body.detail).toContain('salesops segment');
  });

  it('refuses an unknown segment code listing the codes, and a churn risk outside 0..1', async () => {
    const bad = await env.request('GET', '/api/v1/customers?segment=vip');
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toHaveLength(1);
    expect(bad.body.errors[0]).toMatchObject({ field: 'segment', in: 'query' });
    expect(bad.body.errors[0].message).toBe(
      `must be one of the RFM segments: ${RFM_SEGMENTS.join(', ')}`,
    );
    for (const v of ['1.5', '-0.1', 'high', '', '0.12345']) {
      const r = await env.request('GET', `/api/v1/customers?churnRiskMin=${v}`);
      expect(r.status, v).toBe(400);
      expect(r.body.errors.map((e: { field: string }) => e.field)).toEqual(['churnRiskMin']);
    }
  });

  it('shows the newest succeeded run, never a failed or running one nor an older one', async () => {
    // Run 1: the old one; oldOnly is scored only here.
    await insertScoreRun(
      env.ops.db,
      [...north, oldOnly].map((id) => ({
        customerId: id,
        segment: 'champions',
        churnRisk: '0.0100',
      })),
      { asOf: '2026-05-31' },
    );
    // Run 2, the newest succeeded: North 0–4 at risk with rising churn risk, 5–6 loyal; South at risk.
    const risks = ['0.5999', '0.6000', '0.7500', '0.9000', '1.0000'];
    newest = await insertScoreRun(
      env.ops.db,
      [
        ...risks.map((churnRisk, i) => ({
          customerId: north[i]!,
          segment: 'at_risk',
          r: 2,
          f: 3,
          m: 4,
          cluster: 1,
          label: 'high value, lapsing',
          churnRisk,
        })),
        { customerId: north[5]!, segment: 'loyal', r: 4, f: 5, m: 5, churnRisk: '0.0500' },
        {
          customerId: north[6]!,
          segment: 'loyal',
          r: 4,
          f: 4,
          m: 4,
          churnRisk: null,
          cluster: null,
        },
        ...south.map((id) => ({ customerId: id, segment: 'at_risk', churnRisk: '0.8000' })),
      ],
      { asOf: '2026-06-30' },
    );
    // Newer, but not succeeded: never shown.
    await insertScoreRun(env.ops.db, [{ customerId: north[0]!, segment: 'lost' }], {
      status: 'failed',
    });
    await insertScoreRun(env.ops.db, [{ customerId: north[0]!, segment: 'lost' }], {
      status: 'running',
    });

    const one = await env.request('GET', `/api/v1/customers/${north[2]}`);
    expect(one.status).toBe(200);
    const run = await env.ops.db
      .selectFrom('segment_runs')
      .selectAll()
      .where('id', '=', newest)
      .executeTakeFirstOrThrow();
    expect(one.body).toMatchObject({
      id: north[2],
      segment: 'at_risk',
      rfm: { recency: 2, frequency: 3, monetary: 4, cell: '234' },
      cluster: { id: 1, label: 'high value, lapsing' },
      churnRisk: 0.75,
      scoreRun: { id: newest, asOf: '2026-06-30', finishedAt: run.finished_at!.toISOString() },
    });
    // The picture keeps everything it had.
    expect(one.body).toHaveProperty('lifetimeRevenue');
    expect(one.body).toHaveProperty('contacts');

    const partial = await env.request('GET', `/api/v1/customers/${north[6]}`);
    expect(partial.body).toMatchObject({ segment: 'loyal', cluster: null, churnRisk: null });
    // Scored by an older run only: nulls under the newest run, not the old figures.
    for (const id of [oldOnly, unscored]) {
      const r = await env.request('GET', `/api/v1/customers/${id}`);
      expect(r.body).toMatchObject({
        segment: null,
        rfm: null,
        cluster: null,
        churnRisk: null,
        scoreRun: { id: newest },
      });
    }
  });

  it('list items carry the same fields as the picture', async () => {
    const page = await list('limit=500');
    const item = page.items.find((c) => c.id === north[3])!;
    const one = (await env.request('GET', `/api/v1/customers/${north[3]}`)).body;
    for (const f of ['segment', 'rfm', 'cluster', 'churnRisk', 'scoreRun'])
      expect(item[f], f).toEqual(one[f]);
    expect(page.items.find((c) => c.id === unscored)).toMatchObject({
      segment: null,
      scoreRun: { id: newest },
    });
  });

  it('filters on segment and churn risk (bounds included), paging by id through exactly those', async () => {
    const atRisk = [...north.slice(0, 5), ...south].sort((a, b) => a - b);
    for (const limit of [1, 2, 3, 500])
      expect(await allIds('segment=at_risk', limit), `limit ${limit}`).toEqual(atRisk);
    const risky = [...north.slice(1, 5), ...south].sort((a, b) => a - b);
    expect(await allIds('churnRiskMin=0.6', 2)).toEqual(risky);
    expect(await allIds('churnRiskMin=0.6&segment=at_risk', 2)).toEqual(risky);
    expect(await allIds('churnRiskMin=1', 2)).toEqual([north[4]]);
    // 0 keeps every customer with a churn risk, and only those.
    expect(await allIds('churnRiskMin=0', 500)).not.toContain(north[6]);
    expect(await allIds('segment=loyal&churnRiskMin=0.01', 2)).toEqual([north[5]]);
    expect(await allIds('segment=champions', 2)).toEqual([]);
    // With the other filters: owner and search still apply.
    expect(await allIds(`segment=at_risk&owner=${world.reps.s1}`, 2)).toEqual(south);
    const page = await list('segment=at_risk&churnRiskMin=0.9');
    expect(page.items.map((c) => [c.id, c.churnRisk])).toEqual([
      [north[3], 0.9],
      [north[4], 1],
    ]);
  });

  it("keeps a rep to their team's customers, filters or not", async () => {
    const ids = await allIds('segment=at_risk', 2, world.keys.staffN1);
    expect(ids).toEqual(north.slice(0, 5));
    const other = await env.request('GET', `/api/v1/customers/${south[0]}`, {
      key: world.keys.staffN1,
    });
    expect(other.status).toBe(404);
    expect(await allIds('churnRiskMin=0.6', 3, world.keys.staffS1)).toEqual(south);
  });

  it('leaves soft-deleted customers out of a filtered list unless deleted=true asks for them', async () => {
    const del = await env.request('DELETE', `/api/v1/customers/${north[4]}`, { key: 'admin' });
    expect(del.status).toBe(204);
    expect(await allIds('churnRiskMin=1', 2)).toEqual([]);
    expect(await allIds('churnRiskMin=1&deleted=true', 2)).toEqual([north[4]]);
  });
});

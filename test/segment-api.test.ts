/**
 * A real segmentation run seen through the API, end to end: the demo (bench/demo-warehouse.ts,
 * fixed end day) ingested and built, segment/run.ts run on it as the segment job does, then the
 * real app over HTTP on the same database and warehouse. The customer picture and list show
 * what the run wrote (the RFM cell as the warehouse has it), the filters select exactly the
 * customers customer_scores says, the price routes serve what segment/price-suggestions.ts
 * computes, and a churn_risk rule turns the run into tasks once. PostgreSQL only: the demo
 * loads into PostgreSQL.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { applyFollowupRules } from '../api/activities/followup/apply.ts';
import { createApp } from '../api/app.ts';
import { createApiKey } from '../api/auth/service.ts';
import { demoWarehouse, type DemoWarehouse } from '../bench/demo-warehouse.ts';
import { DEFAULT_DEMO_ORDERS } from '../db/demo/index.ts';
import { loadProject } from '../models/engine/project.ts';
import { runProject } from '../models/engine/runner.ts';
import { readPriceSuggestions } from '../segment/price-suggestions.ts';
import { runSegmentation, type SegmentSummary } from '../segment/run.ts';
import { observeAnswer } from './support/observe.ts';

const END = new Date('2026-07-01T00:00:00Z');

describe.skipIf(!inject('pgAvailable'))('a segment run through the API', () => {
  let demo: DemoWarehouse;
  let conn: DuckDBConnection;
  let server: http.Server;
  let baseUrl: string;
  let summary: SegmentSummary;
  const keys: Record<string, string> = {};

  const get = async (path: string, role = 'admin') => {
    const res = await fetch(`${baseUrl}/api/v1${path}`, {
      headers: { authorization: `Bearer ${keys[role]}` },
    });
    await observeAnswer('GET', `${baseUrl}/api/v1${path}`, res);
    return { status: res.status, body: (await res.json()) as any };
  };
  /** Every id a customer list answers, following nextCursor. */
  const customerIds = async (query: string) => {
    const ids: number[] = [];
    let cursor: string | null = null;
    do {
      const r = await get(`/customers?${query}&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      ids.push(...r.body.items.map((c: { id: number }) => c.id));
      cursor = r.body.nextCursor;
    } while (cursor);
    return ids;
  };

  beforeAll(async () => {
    demo = await demoWarehouse('segment_api', DEFAULT_DEMO_ORDERS, { endDate: END });
    const build = await runProject(demo.warehouse, loadProject(), {
      command: 'build',
      vars: { timezone: 'UTC', as_of: '2026-06-30' },
    });
    expect(build.models.filter((m) => m.status !== 'success').map((m) => m.error)).toEqual([]);
    conn = await demo.warehouse.connect();
    summary = await runSegmentation({ db: demo.ops.db, conn });
    server = http.createServer(
      createApp({
        config: demo.config,
        ops: demo.ops,
        warehouse: demo.warehouse,
        logger: pino({ level: 'silent' }),
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const role of ['admin', 'analyst'] as const)
      keys[role] = (await createApiKey(demo.ops.db, { name: `e2e-${role}`, role })).key;
  }, 600_000);
  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    conn?.closeSync();
    await demo?.dispose();
  });

  it("shows each customer's scores as the run wrote them, the RFM cell as the warehouse has it", async () => {
    const cells = (
      await conn.runAndReadAll(
        `SELECT customer_id::DOUBLE, rfm_cell FROM ml.mart_customer_segments WHERE run_id = $1`,
        [summary.runId],
      )
    ).getRows();
    const cellOf = new Map(cells.map((r) => [Number(r[0]), String(r[1])]));
    const scores = await demo.ops.db
      .selectFrom('customer_scores')
      .selectAll()
      .where('run_id', '=', summary.runId)
      .orderBy('customer_id')
      .execute();
    expect(scores.length).toBe(summary.customers);
    // A handful spread over the run, and every segment's first customer.
    const picked = new Map<number, (typeof scores)[number]>();
    for (let i = 0; i < scores.length; i += Math.ceil(scores.length / 8)) picked.set(i, scores[i]!);
    for (const s of scores)
      if (![...picked.values()].some((p) => p.segment === s.segment)) picked.set(-s.customer_id, s);
    for (const s of picked.values()) {
      const r = await get(`/customers/${s.customer_id}`, 'analyst');
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        segment: s.segment,
        rfm: { cell: cellOf.get(s.customer_id) },
        cluster: s.cluster === null ? null : { id: s.cluster, label: s.cluster_label },
        churnRisk: s.churn_risk === null ? null : Number(s.churn_risk),
        scoreRun: { id: summary.runId, asOf: summary.asOf },
      });
    }
  });

  it('filters exactly the customers customer_scores names, page after page', async () => {
    const expected = async (where: ReturnType<typeof sql>) =>
      (
        await sql<{ id: number }>`SELECT s.customer_id AS id FROM customer_scores s
          JOIN customers c ON c.id = s.customer_id
          WHERE s.run_id = ${summary.runId} AND c.deleted_at IS NULL AND ${where}
          ORDER BY 1`.execute(demo.ops.db)
      ).rows.map((r) => r.id);
    const atRisk = await expected(sql`s.segment = 'at_risk'`);
    expect(atRisk.length).toBeGreaterThan(0);
    expect(await customerIds('segment=at_risk')).toEqual(atRisk);
    const risky = await expected(sql`s.churn_risk >= 0.6`);
    expect(risky.length).toBeGreaterThan(0);
    expect(await customerIds('churnRiskMin=0.6')).toEqual(risky);
  });

  it('serves the price suggestions segment/ computes, with the run', async () => {
    const computed = await readPriceSuggestions(conn);
    const keyOf = (i: any) => `${i.level}:${i.level === 'product' ? i.productId : i.categoryId}`;
    const served: any[] = [];
    let cursor: string | null = null;
    do {
      const r = await get(`/price-suggestions?limit=40${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      expect(r.body.items[0].run).toMatchObject({ id: summary.runId, asOf: summary.asOf });
      served.push(...r.body.items);
      cursor = r.body.nextCursor;
    } while (cursor);
    const byKey = (items: any[]) => new Map(items.map(({ run: _, ...i }) => [keyOf(i), i]));
    expect(byKey(served)).toEqual(byKey(computed));
    const product = computed.find((i) => i.level === 'product' && i.suggestion !== null)!;
    expect(product).toBeDefined();
    const one = await get(`/products/${(product as any).productId}/price-suggestion`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ ...product, run: expect.objectContaining({ id: summary.runId }) });
    const category = (product as any).category as string;
    const list = await get(`/price-suggestions?category=${encodeURIComponent(category)}`);
    expect(list.body.items[0]).toMatchObject({ level: 'category', category });
    expect(list.body.items.slice(1).every((i: any) => i.category === category)).toBe(true);
  });

  it('turns the run into churn tasks for owner reps once, and not again on the next run', async () => {
    const rule = await demo.ops.db
      .insertInto('followup_rules')
      .values({
        name: 'Win back',
        trigger: 'churn_risk',
        condition: '{}',
        action: JSON.stringify({
          activityType: 'call',
          subject: 'Win back {customer}',
          dueInDays: 1,
        }),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const due = (
      await sql<{ id: number; owner: number | null }>`
        SELECT c.id, c.owner_rep_id AS owner FROM customer_scores s JOIN customers c ON c.id = s.customer_id
        WHERE s.run_id = ${summary.runId} AND s.churn_risk >= 0.6 AND s.monetary_score >= 4
          AND c.deleted_at IS NULL AND NOT c.blocked ORDER BY c.id`.execute(demo.ops.db)
    ).rows;
    expect(due.length).toBeGreaterThan(0);
    const applied = await applyFollowupRules(demo.ops.db, { triggers: ['churn_risk'] });
    expect(applied.created).toBe(due.length);
    const tasks = await demo.ops.db
      .selectFrom('activities')
      .select(['customer_id', 'owner_rep_id', 'cause_key'])
      .where('followup_rule_id', '=', rule.id)
      .orderBy('customer_id')
      .execute();
    expect(tasks).toEqual(
      due.map((d) => ({
        customer_id: d.id,
        owner_rep_id: d.owner,
        cause_key: `churn:${d.id}:${summary.runId}`,
      })),
    );
    // The next night's run finds the same customers: their tasks are still open, none is added.
    await runSegmentation({ db: demo.ops.db, conn });
    expect((await applyFollowupRules(demo.ops.db, { triggers: ['churn_risk'] })).created).toBe(0);
  }, 300_000);
});

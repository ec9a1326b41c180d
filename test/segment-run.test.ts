/**
 * A whole segmentation run on the demo warehouse (segment/run.ts): the run lands in the
 * warehouse's `ml` schema and in the CRM's `customer_scores`, with the same run id, every part
 * measured; a second run is kept beside the first (dashboards compare them); neither CRM table
 * goes back into the warehouse on the next ingest; a warehouse with nothing to segment says so.
 */
import fs from 'node:fs';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { demoWarehouse, type DemoWarehouse } from '../bench/demo-warehouse.ts';
import { DEFAULT_DEMO_ORDERS } from '../db/demo/index.ts';
import { runIngest } from '../ingest/run.ts';
import { segmentJob } from '../jobs/segment.job.ts';
import type { JobContext, JobTrigger } from '../jobs/types.ts';
import { loadProject } from '../models/engine/project.ts';
import { runProject } from '../models/engine/runner.ts';
import { NothingToSegment, runSegmentation, type SegmentSummary } from '../segment/run.ts';
import { RFM_SEGMENTS } from '../segment/rfm-segments.ts';

const END = new Date('2026-07-01T00:00:00Z');

async function rows(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}

describe.skipIf(!inject('pgAvailable'))('a segmentation run on the demo', () => {
  let demo: DemoWarehouse;
  let conn: DuckDBConnection;
  let first: SegmentSummary;
  let lines: string[];

  beforeAll(async () => {
    demo = await demoWarehouse('segment_run', DEFAULT_DEMO_ORDERS, { endDate: END });
    const build = await runProject(demo.warehouse, loadProject(), {
      command: 'build',
      vars: { timezone: 'UTC', as_of: '2026-06-30' },
    });
    expect(build.models.filter((m) => m.status !== 'success').map((m) => m.error)).toEqual([]);
    conn = await demo.warehouse.connect();
    lines = [];
    first = await runSegmentation({ db: demo.ops.db, conn, say: (l) => lines.push(l) });
  }, 600_000);
  afterAll(async () => {
    conn?.closeSync();
    await demo?.dispose();
  });

  it('scores every customer with a revenue order, in the CRM and the warehouse, as one run', async () => {
    const buyers = await rows(
      conn,
      `SELECT count(*)::INTEGER AS n FROM marts.mart_customer_value WHERE orders > 0`,
    );
    const run = await demo.ops.db
      .selectFrom('segment_runs')
      .selectAll()
      .where('id', '=', first.runId)
      .executeTakeFirstOrThrow();
    expect(run.status).toBe('succeeded');
    expect(run.as_of).toBe(first.asOf);
    const scores = await demo.ops.db
      .selectFrom('customer_scores')
      .selectAll()
      .where('run_id', '=', first.runId)
      .execute();
    expect(scores.length).toBe(run.customers);
    const withSegment = scores.filter((s) => s.segment !== null);
    expect(withSegment.length).toBe(buyers[0]!.n);
    for (const s of withSegment) {
      expect(RFM_SEGMENTS).toContain(s.segment);
      expect(s.cluster).not.toBeNull();
      expect(s.churn_risk).toMatch(/^[01]\.\d{4}$/);
    }
    // The warehouse holds the same run, customer for customer.
    const ml = await rows(
      conn,
      `SELECT (SELECT count(*) FROM ml.mart_customer_segments WHERE run_id = ${first.runId})::INTEGER AS segments,
              (SELECT count(*) FROM ml.mart_customer_clusters WHERE run_id = ${first.runId})::INTEGER AS clusters,
              (SELECT count(*) FROM ml.mart_churn_scores WHERE run_id = ${first.runId})::INTEGER AS churn,
              (SELECT count(*) FROM ml.mart_churn_scores WHERE rule IS NULL)::INTEGER AS without_rule`,
    );
    expect(ml[0]).toEqual({
      segments: withSegment.length,
      clusters: withSegment.length,
      churn: scores.filter((s) => s.churn_risk !== null).length,
      without_rule: 0,
    });
    expect(lines.join('\n')).toMatch(
      /segment run #\d+ as of \d{4}-\d\d-\d\d: \d+ customers scored/,
    );
    // docs/segmentation.md ("By hand") shows this line, from the same demo (its run number aside).
    const doc = fs.readFileSync(new URL('../docs/segmentation.md', import.meta.url), 'utf8');
    expect(doc).toContain(lines[0]!.replace(/^segment run #\d+ /, ''));
  });

  it('keeps a run record per kind with the metrics the issue names', async () => {
    const runs = await rows(
      conn,
      `SELECT kind, CAST(metrics AS VARCHAR) AS metrics, json_array_length(rules) AS rules
       FROM meta.ml_runs WHERE run_id = ${first.runId} ORDER BY kind`,
    );
    expect(runs.map((r) => r.kind)).toEqual(['churn', 'clusters', 'prices', 'propensity']);
    for (const r of runs.filter((x) => x.kind === 'churn' || x.kind === 'propensity')) {
      const m = JSON.parse(String(r.metrics)) as Record<string, number>;
      for (const k of ['accuracy', 'precision', 'recall', 'baseline']) expect(m).toHaveProperty(k);
      expect(m.accuracy).toBeGreaterThan(m.baseline!);
      expect(Number(r.rules)).toBeGreaterThan(1);
    }
    // The clusters record: k, a silhouette for every k tried, inertia, and sizes that account
    // for every clustered customer of the run.
    const [clusters] = await rows(
      conn,
      `SELECT CAST(metrics AS VARCHAR) AS metrics, CAST(params AS VARCHAR) AS params,
              (SELECT count(*) FROM ml.mart_customer_clusters WHERE run_id = ${first.runId})::INTEGER AS customers
       FROM meta.ml_runs WHERE run_id = ${first.runId} AND kind = 'clusters'`,
    );
    expect(clusters).toBeDefined();
    const cm = JSON.parse(String(clusters!.metrics)) as {
      k: number;
      inertia: number;
      sizes: number[];
      silhouettes: { k: number; silhouette: number }[];
    };
    const { kRange } = JSON.parse(String(clusters!.params)) as { kRange: [number, number] };
    expect(kRange).toEqual([2, 8]);
    expect(cm.k).toBeGreaterThanOrEqual(kRange[0]);
    expect(cm.k).toBeLessThanOrEqual(kRange[1]);
    expect(cm.silhouettes.map((s) => s.k)).toEqual(
      Array.from({ length: kRange[1] - kRange[0] + 1 }, (_, i) => kRange[0] + i),
    );
    for (const s of cm.silhouettes) {
      expect(s.silhouette).toBeGreaterThan(-1);
      expect(s.silhouette).toBeLessThanOrEqual(1);
    }
    // k is the one the silhouette chose.
    expect(cm.silhouettes.find((s) => s.k === cm.k)!.silhouette).toBe(
      Math.max(...cm.silhouettes.map((s) => s.silhouette)),
    );
    expect(cm.inertia).toBeGreaterThan(0);
    expect(cm.sizes).toHaveLength(cm.k);
    expect(clusters!.customers).toBeGreaterThan(0);
    expect(cm.sizes.reduce((a, b) => a + b, 0)).toBe(clusters!.customers);
    expect(first.clusters).toMatchObject({ k: cm.k, sizes: cm.sizes });
    expect(first.churn!.accuracy).toBeGreaterThan(first.churn!.baseline!);
    expect(first.churn!.beatsBaseline).toBe(true);
    expect(first.prices.categories).toBeGreaterThan(0);
    // The readable faces of meta.ml_runs.
    const rules = await rows(
      conn,
      `SELECT leaf, rule FROM ml.tree_rules WHERE run_id = ${first.runId} AND kind = 'churn' ORDER BY leaf`,
    );
    expect(rules[0]).toMatchObject({ leaf: 1 });
    expect(String(rules[0]!.rule)).toMatch(/^IF .* THEN (churn|stays)/);
  });

  it('keeps a second run beside the first, so movement between runs can be shown', async () => {
    const second = await runSegmentation({ db: demo.ops.db, conn });
    expect(second.runId).toBeGreaterThan(first.runId);
    const moved = await rows(
      conn,
      `SELECT count(*)::INTEGER AS n FROM ml.mart_customer_segments AS a
       JOIN ml.mart_customer_segments AS b USING (customer_id)
       WHERE a.run_id = ${first.runId} AND b.run_id = ${second.runId} AND a.segment = b.segment`,
    );
    // Same data, same seed: nobody moved.
    const segmented = Object.values(first.segments).reduce((a, b) => a + b, 0);
    expect(moved[0]!.n).toBe(segmented);
    expect(second.segments).toEqual(first.segments);
    const runs = await demo.ops.db.selectFrom('segment_runs').select('id').execute();
    expect(runs.length).toBe(2);
  });

  it('the job repeats no run: queued by a build or nightly it skips unchanged inputs; a person always runs', async () => {
    const run = async (trigger: JobTrigger) => {
      const ctx = {
        app: {
          config: demo.config,
          ops: demo.ops,
          warehouse: demo.warehouse,
          logger: pino({ level: 'silent' }),
        },
        runId: 0,
        trigger,
        params: {},
        signal: new AbortController().signal,
        log: pino({ level: 'silent' }),
        progress: () => {},
        say: () => {},
        warehouseTurn: <T>(fn: () => Promise<T>) => fn(),
      } satisfies JobContext;
      return segmentJob.run(ctx);
    };
    const newest = async () =>
      (
        await demo.ops.db
          .selectFrom('segment_runs')
          .select('id')
          .orderBy('id', 'desc')
          .executeTakeFirstOrThrow()
      ).id;
    const last = await newest();
    expect(await run('change')).toMatchObject({
      status: 'skipped',
      detail: { reason: `run #${last} already describes ${first.asOf}` },
    });
    expect(await run('schedule')).toMatchObject({
      status: 'skipped',
      detail: { reason: `nothing was built since run #${last}` },
    });
    const manual = await run('manual');
    expect(manual.status).toBeUndefined();
    expect(manual.rows).toBeGreaterThan(0);
    // A build since the newest run: the nightly run runs again.
    await runProject(demo.warehouse, loadProject(), {
      command: 'build',
      select: ['mart_customer_value'],
      vars: { timezone: 'UTC', as_of: '2026-06-30' },
    });
    expect((await run('schedule')).rows).toBeGreaterThan(0);
    expect(await newest()).toBe(last + 2);
  });

  it('never copies the CRM tables of the run back into the warehouse', async () => {
    await runIngest(demo.ops, demo.warehouse, { tempDir: demo.config.ingestTempDir });
    const raw = await rows(
      conn,
      `SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw'
         AND table_name IN ('customer_scores', 'segment_runs')`,
    );
    expect(raw).toEqual([]);
  });

  it('says when the models are not built, or no customer has ordered, and records no run', async () => {
    const before = await demo.ops.db.selectFrom('segment_runs').select('id').execute();
    const instance = await DuckDBInstance.create(':memory:');
    const empty = await instance.connect();
    try {
      await expect(runSegmentation({ db: demo.ops.db, conn: empty })).rejects.toThrow(
        new NothingToSegment('marts.mart_customer_rfm is not built yet: the build job makes it'),
      );
      await empty.run(`CREATE SCHEMA marts; CREATE SCHEMA core;
        CREATE TABLE marts.mart_customer_rfm (customer_id BIGINT, segment VARCHAR);
        CREATE TABLE marts.mart_customer_value (customer_id BIGINT, as_of_date DATE);
        CREATE TABLE core.fct_orders (customer_id BIGINT);`);
      await expect(runSegmentation({ db: demo.ops.db, conn: empty })).rejects.toThrow(
        new NothingToSegment('no customer has a revenue order yet'),
      );
    } finally {
      empty.closeSync();
      instance.closeSync();
    }
    expect(await demo.ops.db.selectFrom('segment_runs').select('id').execute()).toEqual(before);
  });
});

/**
 * The clustering on the demo warehouse (bench/demo-warehouse.ts: the demo at its default size,
 * ~500 customers, with a fixed end day so the figures never change): every customer with a revenue
 * order gets exactly one cluster, the labels are distinct, a seed gives the same run. The tables
 * in docs/segmentation.md — clusters and RFM segments against the demo's `demo:<segment>` tags —
 * are computed here and must be in the document exactly as the code gives them.
 */
import fs from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { demoWarehouse, type DemoWarehouse } from '../bench/demo-warehouse.ts';
import { DEFAULT_DEMO_ORDERS } from '../db/demo/index.ts';
import { loadProject } from '../models/engine/project.ts';
import { runProject } from '../models/engine/runner.ts';
import { clusterFeatures, runCustomerClusters, type ClusterResult } from '../segment/clusters.ts';
import { standardiseFeatures, toOriginalUnits } from '../segment/customer-features.ts';
import { RFM_SEGMENTS } from '../segment/rfm-segments.ts';

const END = new Date('2026-07-01T00:00:00Z');

/** A Markdown table: a row per group, a column per demo tag, counts of customers, totals. */
function confusionTable(
  corner: string,
  rows: readonly string[],
  pairs: [string, string][],
): string {
  // The demo's tags, most customers first (the generator's own order: loyal … big_ticket).
  const counts = new Map<string, number>();
  for (const [, tag] of pairs) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  const tags = [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)!);
  const count = (row: string, tag: string) =>
    pairs.filter(([r, t]) => r === row && (tag === '' || t === tag)).length;
  const lines = [
    `| ${corner} | ${tags.map((t) => `demo:${t}`).join(' | ')} | total |`,
    `|---|${tags.map(() => '---:').join('|')}|---:|`,
    ...rows.map((r) => `| ${r} | ${[...tags, ''].map((t) => count(r, t)).join(' | ')} |`),
    `| total | ${[...tags, ''].map((t) => pairs.filter(([, x]) => t === '' || x === t).length).join(' | ')} |`,
  ];
  return lines.join('\n');
}

/** The clusters of a run, one line each, and its silhouette per k. */
function clusterSummary(result: ClusterResult): string {
  const { run } = result;
  return [
    `Mean silhouette per k: ${run.silhouettes.map((s) => `${s.k}: ${s.silhouette.toFixed(3)}`).join(', ')} → k = ${run.k}.`,
    '',
    '| cluster | customers | days since last order | orders | revenue |',
    '|---|---:|---:|---:|---:|',
    ...run.clusters.map(
      (c) =>
        `| ${c.cluster} ${c.label} | ${c.size} | ${c.typical.recencyDays} | ${c.typical.orders} | ${c.typical.revenue} |`,
    ),
  ].join('\n');
}

describe('features', () => {
  const rows = [
    { recency: 1, frequency: 1, monetary: 0, tenure: 30 },
    { recency: 9, frequency: 3, monetary: 99, tenure: 30 },
    { recency: 99, frequency: 7, monetary: -5, tenure: 30 }, // returns above sales: as 0
  ].map((r, i) => ({ customerId: i + 1, customerCode: `C${i + 1}`, ...r }));

  it('standardises log1p values; a feature that does not vary is 0 for everyone', () => {
    const m = standardiseFeatures(rows, ['recency', 'monetary', 'tenure']);
    expect(m.customers).toEqual(
      [1, 2, 3].map((id) => ({ customerId: id, customerCode: `C${id}` })),
    );
    expect(m.mean[0]).toBeCloseTo((Math.log(2) + Math.log(10) + Math.log(100)) / 3, 12);
    for (let j = 0; j < 2; j++) {
      const col = m.points.map((p) => p[j]!);
      expect(col.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 12);
      expect(col.reduce((a, b) => a + b * b, 0) / 3).toBeCloseTo(1, 12); // population sd 1
    }
    expect(m.points.map((p) => p[1])).toEqual([
      m.points[2]![1],
      expect.any(Number),
      m.points[0]![1],
    ]); // revenue 0 and −5 are the same point
    expect(m.points.map((p) => p[2])).toEqual([0, 0, 0]);
    expect(toOriginalUnits(m, m.points[1]!)).toEqual({
      recency: expect.closeTo(9, 9),
      monetary: expect.closeTo(99, 9),
      tenure: expect.closeTo(30, 9),
    });
  });

  it('clusters a handful of customers: k limited by them, revenue shown as a rounded decimal', () => {
    const few = standardiseFeatures(rows);
    const { run, assignments } = clusterFeatures(few, { seed: 3 });
    expect(run.silhouettes.map((s) => s.k)).toEqual([2]); // a silhouette needs k < customers
    expect(run.k).toBe(2);
    expect(assignments.map((a) => a.cluster).sort()).toEqual([0, 0, 1]);
    for (const c of run.clusters) expect(c.typical.revenue).toMatch(/^\d+\.\d{2}$/);
    expect(() => clusterFeatures(standardiseFeatures(rows.slice(0, 1)))).toThrow(/too few/);
  });
});

describe.skipIf(!inject('pgAvailable'))('clusters on the demo warehouse', () => {
  let demo: DemoWarehouse;
  let conn: DuckDBConnection;
  let tagOf: Map<number, string>;
  let result: ClusterResult;

  beforeAll(async () => {
    demo = await demoWarehouse('segment_clusters', DEFAULT_DEMO_ORDERS, { endDate: END });
    const build = await runProject(demo.warehouse, loadProject(), {
      command: 'build',
      select: ['+mart_customer_rfm'],
      vars: { timezone: 'UTC', as_of: '2026-06-30' },
    });
    expect(build.models.filter((m) => m.status !== 'success').map((m) => m.error)).toEqual([]);
    conn = await demo.warehouse.connect();
    const tags = await conn.runAndReadAll(
      `SELECT CAST(customer_id AS DOUBLE) AS id, list_filter(tags, t -> t LIKE 'demo:%')[1] AS tag
       FROM core.dim_customers`,
    );
    tagOf = new Map(tags.getRows().map(([id, tag]) => [id as number, String(tag).slice(5)]));
    result = await runCustomerClusters(conn);
  }, 300_000);
  afterAll(async () => {
    conn?.closeSync();
    await demo?.dispose();
  });

  it('gives every customer with a revenue order exactly one cluster, with distinct labels', async () => {
    const buyers = await conn.runAndReadAll(
      `SELECT CAST(customer_id AS DOUBLE) FROM marts.mart_customer_value
       WHERE orders > 0 ORDER BY customer_id`,
    );
    const ids = buyers.getRows().map(([id]) => id as number);
    expect(ids.length).toBeGreaterThan(450);
    expect(result.assignments.map((a) => a.customerId)).toEqual(ids);
    const { run } = result;
    expect(run.customers).toBe(ids.length);
    expect(run.silhouettes.map((s) => s.k)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(run.k).toBeGreaterThanOrEqual(2);
    expect(new Set(run.labels).size).toBe(run.k);
    expect(run.sizes.reduce((a, b) => a + b, 0)).toBe(ids.length);
    for (let c = 0; c < run.k; c++) {
      const members = result.assignments.filter((a) => a.cluster === c);
      expect(members).toHaveLength(run.sizes[c]!);
      expect(members.every((a) => a.label === run.labels[c])).toBe(true);
    }
    // Numbered by value: the typical revenue falls from cluster 0 on.
    const revenue = run.clusters.map((c) => Number(c.typical.revenue));
    expect(revenue).toEqual([...revenue].sort((a, b) => b - a));
    expect(run.clusters[0]!.typical.revenue).toMatch(/^\d+\.\d\d$/);
  });

  it('gives the same run for the same seed; another seed chooses the same k', async () => {
    expect(await runCustomerClusters(conn)).toEqual(result);
    const other = await runCustomerClusters(conn, { seed: 99 });
    expect(other.run.seed).toBe(99);
    expect(other.run.k).toBe(result.run.k); // the choice of k does not hang on the seed here
  });

  it('lines up with the demo behaviour as docs/segmentation.md says', async () => {
    const doc = fs.readFileSync(new URL('../docs/segmentation.md', import.meta.url), 'utf8');
    const clusterRows = result.run.clusters.map((c) => `${c.cluster} ${c.label}`);
    const clusterPairs = result.assignments.map(
      (a) => [`${a.cluster} ${a.label}`, tagOf.get(a.customerId)!] as [string, string],
    );
    const segments = await conn.runAndReadAll(
      `SELECT CAST(customer_id AS DOUBLE), segment FROM marts.mart_customer_rfm`,
    );
    const rfmPairs = segments
      .getRows()
      .map(([id, segment]) => [String(segment), tagOf.get(id as number)!] as [string, string]);
    const withTenure = await runCustomerClusters(conn, {
      features: ['recency', 'frequency', 'monetary', 'tenure'],
    });
    const fixedK = await runCustomerClusters(conn, {
      features: ['recency', 'frequency', 'monetary', 'tenure'],
      kMin: 5,
      kMax: 5,
    });
    const tenurePairs = fixedK.assignments.map(
      (a) => [`${a.cluster} ${a.label}`, tagOf.get(a.customerId)!] as [string, string],
    );
    const blocks = [
      clusterSummary(result),
      confusionTable('cluster', clusterRows, clusterPairs),
      confusionTable('RFM segment', RFM_SEGMENTS, rfmPairs),
      clusterSummary(withTenure),
      clusterSummary(fixedK),
      confusionTable(
        'cluster (with tenure, k = 5)',
        fixedK.run.clusters.map((c) => `${c.cluster} ${c.label}`),
        tenurePairs,
      ),
    ];
    for (const block of blocks)
      expect.soft(doc, `docs/segmentation.md lacks:\n${block}`).toContain(block);
  });
});

/**
 * The RFM segment map: the table in docs/segmentation.md is what models/marts/mart_customer_rfm.sql
 * computes. The model's own SQL (compiled by the engine) runs in DuckDB over a stand-in for
 * mart_customer_value holding all 125 (R, F, M) score combinations, and each row's segment must be
 * the documented cell of its recency score and fm_score. (test/models-marts.test.ts builds the
 * model with its tests on the hand-made data.)
 */
import fs from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { compileModel } from '../models/engine/compile.ts';
import { loadProject } from '../models/engine/project.ts';
import { RFM_SEGMENT_LABELS, RFM_SEGMENTS } from '../segment/rfm-segments.ts';

/** The documented grid: recency score → the segment for fm_score 1..5. */
function documentedGrid(): Map<number, string[]> {
  const doc = fs.readFileSync(new URL('../docs/segmentation.md', import.meta.url), 'utf8');
  const grid = new Map<number, string[]>();
  for (const [, r, cells] of doc.matchAll(/^\| \*\*([1-5])\*\* \|(.*)\|$/gm)) {
    grid.set(
      Number(r),
      cells!.split('|').map((c) => c.trim()),
    );
  }
  return grid;
}

describe('RFM segments', () => {
  it('documents one segment per cell, every code used, the same codes as the model accepts', () => {
    const grid = documentedGrid();
    expect([...grid.keys()].sort()).toEqual([1, 2, 3, 4, 5]);
    for (const row of grid.values()) expect(row).toHaveLength(5);
    expect(new Set([...grid.values()].flat())).toEqual(new Set(RFM_SEGMENTS));
    const accepted = loadProject()
      .models.get('mart_customer_rfm')!
      .config.tests.find((t) => t.kind === 'accepted_values' && t.columns[0] === 'segment');
    expect(accepted?.values).toEqual([...RFM_SEGMENTS]);
  });

  it("labels each segment as the Customers dashboard does (a task's subject and a panel agree)", async () => {
    const yaml = fs.readFileSync(new URL('../dashboards/customers.yaml', import.meta.url), 'utf8');
    const label = /(CASE s\.segment WHEN 'cant_lose'[^\n]*\n[^\n]*END)/.exec(yaml)?.[1];
    expect(label).toBeDefined();
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    try {
      const codes = RFM_SEGMENTS.map((code) => `('${code}')`).join(', ');
      const r = await c.runAndReadAll(
        `SELECT s.segment, ${label} FROM (VALUES ${codes}) AS s(segment) ORDER BY 1`,
      );
      expect(Object.fromEntries(r.getRows())).toEqual(RFM_SEGMENT_LABELS);
    } finally {
      c.closeSync();
      db.closeSync();
    }
  });

  it('computes the documented segment for all 125 score combinations', async () => {
    const project = loadProject();
    const model = project.models.get('mart_customer_rfm')!;
    const sql = compileModel(project, model, {
      vars: {},
      relationFor: (name) => (name === 'mart_customer_value' ? 'scores' : undefined),
    });
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      await conn.run(`CREATE TABLE scores AS
        SELECT row_number() OVER () AS customer_id, 'C' || customer_id AS customer_code,
               'x' AS customer_name, false AS is_deleted, DATE '2026-01-01' AS as_of_date,
               1 AS days_since_last_order, 1 AS orders, 1.0 AS revenue,
               r AS recency_score, f AS frequency_score, m AS monetary_score
        FROM range(1, 6) t(r), range(1, 6) u(f), range(1, 6) v(m)
        UNION ALL SELECT 999, 'C999', 'none', false, DATE '2026-01-01', NULL, 0, 0, NULL, NULL, NULL`);
      const rows = (
        await conn.runAndReadAll(
          `SELECT recency_score AS r, frequency_score AS f, monetary_score AS m, fm_score AS fm,
                  rfm_cell, segment FROM (${sql}) ORDER BY 1, 2, 3`,
        )
      ).getRowObjectsJson();
      expect(rows).toHaveLength(125); // the customer without a revenue order has no row
      const grid = documentedGrid();
      for (const row of rows) {
        const [r, f, m] = [row.r, row.f, row.m].map(Number) as [number, number, number];
        const fm = Math.floor((f + m + 1) / 2);
        expect(row).toMatchObject({ fm, rfm_cell: `${r}${f}${m}` });
        expect(row.segment, `R ${r} F ${f} M ${m}`).toBe(grid.get(r)![fm - 1]);
      }
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });
});

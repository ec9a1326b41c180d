/**
 * The segmentation panels on the demo after a second run, through the real app over HTTP: the
 * Customers dashboard's movement between the newest two runs (who stayed, who moved where), and
 * every segmentation panel drawn with marks, which movement needs two runs for. The warehouse
 * comes to its first run as in test/dashboards-segment.test.ts, which checks the panels before
 * and after that run.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bindDashboardQueries } from '../dashboards/bind-check.ts';
import { runSegmentation, type SegmentSummary } from '../segment/run.ts';
import type { TestEnv } from './support/harness.ts';
import { rowsOf, withConnection } from './support/raw-tables.ts';
import {
  label,
  PRICE_PANELS,
  SEGMENT_PANELS,
  segmentPanelCalls,
  startSegmentDemoEnv,
} from './support/segment-demo.ts';

describe.skipIf(!inject('pgAvailable'))('segmentation panels on the demo [postgres]', () => {
  let env: TestEnv;
  let first: SegmentSummary;
  const { data, rows, newestRun } = segmentPanelCalls(() => env);

  beforeAll(async () => {
    env = await startSegmentDemoEnv();
    // The start's check binds every panel (making the ml tables, empty) before the first run, as
    // test/dashboards-segment.test.ts does before its first run.
    await bindDashboardQueries(env.ctx.dashboards!, env.warehouse);
  }, 240_000);
  beforeAll(async () => {
    first = await withConnection(env.warehouse, (conn) =>
      runSegmentation({ db: env.ops.db, conn }),
    );
  }, 120_000);
  afterAll(async () => {
    await env?.close();
  });

  describe('after a second run', () => {
    let second: SegmentSummary;
    const moved = ['C00004', 'C00010', 'C00022'];

    beforeAll(async () => {
      second = await withConnection(env.warehouse, (conn) =>
        runSegmentation({ db: env.ops.db, conn }),
      );
      // The demo's data did not change between the runs, so nobody moved: three customers are
      // moved to at_risk in the second run's rows, as a month of silence would.
      await withConnection(env.warehouse, (c) =>
        c.run(`UPDATE ml.mart_customer_segments SET segment = 'at_risk'
               WHERE run_id = ${second.runId} AND customer_code IN ('${moved.join("', '")}')`),
      );
    }, 120_000);

    it('compares the newest two runs: who stayed and who moved where', async () => {
      expect(await newestRun()).toBe(second.runId);
      const cells = await data('customers', 'segment-movement');
      const segmented = Object.values(second.segments).reduce((a, b) => a + b, 0);
      expect(cells.reduce((a, c) => a + Number(c.customers), 0)).toBe(segmented);
      const before = await rowsOf(
        env.warehouse,
        `SELECT customer_code AS code, segment FROM ml.mart_customer_segments
         WHERE run_id = ${first.runId} AND customer_code IN ('${moved.join("', '")}')`,
      );
      const movedFrom = new Map<string, number>();
      for (const b of before.filter((x) => x.segment !== 'at_risk'))
        movedFrom.set(label(String(b.segment)), (movedFrom.get(label(String(b.segment))) ?? 0) + 1);
      expect(movedFrom.size).toBeGreaterThan(0);
      for (const [from, n] of movedFrom) {
        const cell = cells.find((c) => c.previous_segment === from && c.segment === 'At risk')!;
        expect(cell, from).toMatchObject({ customers: n, movement: 'Down' });
      }
      // Everyone else is on the diagonal.
      const off = cells.filter((c) => c.movement !== 'Stayed');
      expect(off.reduce((a, c) => a + Number(c.customers), 0)).toBe(
        [...movedFrom.values()].reduce((a, b) => a + b, 0),
      );
      for (const c of cells.filter((x) => x.movement === 'Stayed'))
        expect(c.previous_segment).toBe(c.segment);
      // Each from-segment's cells share it out whole.
      const shares = new Map<string, number>();
      for (const c of cells)
        shares.set(
          String(c.previous_segment),
          (shares.get(String(c.previous_segment)) ?? 0) + Number(c.share_of_previous),
        );
      for (const s of shares.values()) expect(s).toBeCloseTo(1, 12);

      const behind = await rows('customers', 'segment-movement', '?limit=1000');
      expect(behind.length).toBe(segmented);
      expect(
        behind
          .filter((r) => r.movement !== 'Stayed')
          .map((r) => r.code)
          .sort(),
      ).toEqual(
        before
          .filter((x) => x.segment !== 'at_risk')
          .map((x) => x.code)
          .sort(),
      );
    });

    it('draws every segmentation panel with marks', async () => {
      for (const [dashboard, panels] of [
        ['customers', SEGMENT_PANELS],
        ['inventory', PRICE_PANELS],
      ] as const)
        for (const panel of panels) {
          const res = await fetch(
            `${env.baseUrl}/api/v1/dashboards/${dashboard}/panels/${panel}.svg`,
            { headers: { authorization: `Bearer ${env.keys.analyst}` } },
          );
          expect(res.status, panel).toBe(200);
          const svg = await res.text();
          expect(svg, panel).toMatch(/class="mark-/);
          expect(svg, panel).not.toMatch(/No segmentation run yet|Movement needs two/);
        }
    });
  });
});

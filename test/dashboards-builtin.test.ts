/**
 * The built-in sales-team, customers and inventory dashboards on the hand-made data set
 * (test/support/warehouse-fixtures.ts): each figure below is worked out by hand from the
 * fixture's rows (the comments give the arithmetic) and read over HTTP through the real app. The
 * fixture has no segmentation run, so the segmentation panels (ml.*) show their empty state here;
 * they are tested on the demo after real runs in test/dashboards-segment.test.ts. Data health and
 * the checks over every panel are in test/dashboards-builtin-health.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindDashboardQueries } from '../dashboards/bind-check.ts';
import { builtinDashboardCalls, startBuiltinDashboardsEnv } from './support/builtin-dashboards.ts';
import { describeBoth, type TestEnv } from './support/harness.ts';

describeBoth('built-in dashboards', (kind) => {
  let env: TestEnv;
  let managerNorth: string;
  const { readsRuns, rows } = builtinDashboardCalls(() => env);

  beforeAll(async () => {
    ({ env, managerNorth } = await startBuiltinDashboardsEnv(kind));
  });
  afterAll(async () => {
    await env?.close();
  });

  describe('sales team', () => {
    it('attainment is revenue ÷ quota of the quarter, per rep and per team', async () => {
      const reps = await rows('sales-team', 'attainment-by-rep');
      const ana = reps.find((r) => r.rep_code === 'R-ANA')!;
      // Q1 2026: Ana's revenue order 1000 = 289.99 against her quarter quota of 1000.
      expect(ana).toMatchObject({ quarter: '2026-Q1', revenue: '289.99', quota: '1000.00' });
      expect(ana.attainment).toBeCloseTo(289.99 / 1000, 12);
      // Ben's quota is 0: no attainment (docs/metrics.md), but his 150.00 shows.
      expect(reps.find((r) => r.rep_code === 'R-BEN')).toMatchObject({
        revenue: '150.00',
        quota: '0.00',
        attainment: null,
      });
      const teams = await rows('sales-team', 'attainment-by-team');
      // North has no quarter quota: its one monthly quota (February, 2000) is the quarter's.
      // Its Q1 revenue: 289.99 + 150.00 + 0.00 = 439.99. South: 137.495 against 500.
      expect(teams.map((t) => [t.team, t.quarter, t.attainment])).toEqual([
        ['North', '2026-Q1', 439.99 / 2000],
        ['South', '2026-Q1', 137.495 / 500],
      ]);
      // Its rows: the revenue lines of the whole quarter, however little of it the range covers.
      const lines = await env.request(
        'GET',
        '/api/v1/dashboards/sales-team/panels/attainment-by-team/rows?from=2026-02-10&to=2026-02-12&team=1',
        { key: 'analyst' },
      );
      const cents = lines.body.items.map((i: Record<string, string>) =>
        Math.round(Number(i.revenue) * 100),
      );
      expect(cents.reduce((a: number, b: number) => a + b, 0)).toBe(43999);
      // A range in the next quarter has no quarter with a quota.
      expect(await rows('sales-team', 'attainment-by-team', '?from=2026-04-01')).toEqual([]);
    });

    it('win rate, deal size and sales cycle over the opportunities closed in the range', async () => {
      // Closed: 1 won (1000, 26 days), 2 won (500, 10 d), 3 lost, 6 won (400, 8 d); 8 is deleted.
      const [win] = await rows('sales-team', 'win-rate');
      expect(win).toEqual({ win_rate: 0.75, won: 3, lost: 1 });
      expect((await rows('sales-team', 'win-rate', '?team=1'))[0]!.win_rate).toBeCloseTo(2 / 3);
      expect((await rows('sales-team', 'average-deal-size'))[0]!.average_deal_size).toBe('633.33');
      expect((await rows('sales-team', 'sales-cycle'))[0]!.median_days).toBe(10);
      // Closed before 9 February: none → no rate (a dash on the tile), not 0 %.
      expect((await rows('sales-team', 'win-rate', '?to=2026-02-04'))[0]!.win_rate).toBeNull();
      expect(
        (await rows('sales-team', 'sales-cycle', '?from=2026-02-06&to=2026-02-10'))[0],
      ).toEqual({ median_days: 8, won: 1 });
    });

    it('pipeline by stage is what is open now; activities done in the range and overdue now', async () => {
      expect(await rows('sales-team', 'pipeline-by-stage')).toEqual([
        { stage: 'lead', pipeline: 900, weighted: 90, opportunities: 1 },
        { stage: 'qualified', pipeline: 300, weighted: 150, opportunities: 1 },
        { stage: 'proposal', pipeline: 2000, weighted: 500, opportunities: 1 },
      ]);
      expect(await rows('sales-team', 'activities')).toEqual([
        { rep_code: 'R-ANA', rep: 'Ana', status: 'Done', activities: 2 },
        { rep_code: 'R-BEN', rep: 'Ben', status: 'Done', activities: 1 },
        { rep_code: 'R-CID', rep: 'Cid', status: 'Overdue', activities: 1 }, // due 20 Feb 2026, never done
      ]);
      expect(await rows('sales-team', 'activities', '?from=2026-02-04&to=2026-02-28')).toEqual([
        { rep_code: 'R-ANA', rep: 'Ana', status: 'Done', activities: 1 },
        { rep_code: 'R-CID', rep: 'Cid', status: 'Overdue', activities: 1 },
      ]);
      // Its rows: the same four activities, the rep's code beside the name.
      const behind = await env.request(
        'GET',
        '/api/v1/dashboards/sales-team/panels/activities/rows?sort=rep_code&order=asc',
        { key: 'analyst' },
      );
      expect(
        behind.body.items.map((i: Record<string, unknown>) => [i.rep_code, i.status, i.type]),
      ).toEqual([
        ['R-ANA', 'Done', 'call'],
        ['R-ANA', 'Done', 'call'],
        ['R-BEN', 'Done', 'call'],
        ['R-CID', 'Overdue', 'call'],
      ]);
    });

    it("keeps a manager to their team's pipeline", async () => {
      const north = await rows('sales-team', 'pipeline-by-stage', '', managerNorth);
      expect(north.map((r) => r.stage)).toEqual(['lead', 'proposal']); // Cid's qualified is South
      const south = await env.request(
        'GET',
        '/api/v1/dashboards/sales-team/panels/win-rate/data?team=2',
        { key: managerNorth },
      );
      expect(south.status).toBe(403);
    });
  });

  describe('customers', () => {
    it('lists the lapsing customer and not the one ordering 90 days before the as-of date', async () => {
      const lapsing = await rows('customers', 'lapsing-customers');
      // As of 2026-03-06 (the day after the latest revenue order): Epsilon's last order
      // 2025-11-20 is 106 days back; Zeta's 2025-12-06 exactly 90, inside the window.
      expect(lapsing).toEqual([
        {
          customer_id: 104,
          code: 'C-EPSI',
          customer: 'Epsilon',
          country: 'FR',
          last_order: '2025-11-20',
          days_since: 106,
          lifetime_revenue: '0.00',
        },
      ]);
      // Epsilon's owner is Ben (North): not on South's list.
      expect(await rows('customers', 'lapsing-customers', '?team=2')).toEqual([]);
    });

    it('splits revenue into new and returning customers, and per customer, summing to the total', async () => {
      expect(await rows('customers', 'new-vs-returning')).toEqual([
        { month: '2026-01', customers: 'New', revenue: 439.99, customer_count: 2 }, // Alfa, Beta
        { month: '2026-02', customers: 'New', revenue: 137.5, customer_count: 1 }, // Gamma
        { month: '2026-02', customers: 'Returning', revenue: 0, customer_count: 1 }, // Beta's return
        { month: '2026-03', customers: 'Returning', revenue: 150, customer_count: 1 }, // Gamma
      ]);
      const perCustomer = await rows('customers', 'customer-value');
      const cents = perCustomer.reduce((s, r) => s + Math.round(Number(r.revenue) * 100), 0);
      const [total] = await rows('executive', 'revenue');
      expect((cents / 100).toFixed(2)).toBe(total!.revenue); // 289.99 + 150.00 + 287.50
      const top = await rows('customers', 'top-customers', '?country=FR');
      expect(top.map((r) => [r.code, r.customer, r.revenue])).toEqual([
        ['C-ALFA', 'Alfa', '289.99'],
        ['C-GAMA', 'Gamma', '287.50'], // 137.495 + 150, rounded once
      ]);
    });
  });

  describe('segmentation before its first run', () => {
    it('binds every panel at start: the ml tables are made empty rather than left unbound', async () => {
      expect(await bindDashboardQueries(env.ctx.dashboards!, env.warehouse)).toEqual([]);
    });

    it('answers each segmentation panel, saying there is no run yet instead of an error', async () => {
      expect(await rows('customers', 'segmented-customers', '', managerNorth)).toEqual([
        {
          customers: null,
          run: 'No segmentation run yet: the segment job runs nightly and after builds.',
        },
      ]);
      for (const [dashboard, key] of [
        ['customers', managerNorth],
        ['inventory', 'analyst'],
      ] as const)
        for (const p of env.ctx.dashboards!.get(dashboard)!.panels) {
          if (!readsRuns(dashboard, p.id) || p.kpi) continue;
          expect(await rows(dashboard, p.id, '', key), p.id).toEqual([]);
          // The drawing says why, in the file's words.
          const res = await fetch(
            `${env.baseUrl}/api/v1/dashboards/${dashboard}/panels/${p.id}.svg`,
            { headers: { authorization: `Bearer ${env.keys.analyst}` } },
          );
          expect(await res.text(), p.id).toContain(p.empty!.split(':')[0]);
        }
    });
  });

  describe('inventory', () => {
    it('lists the items at or below their reorder point with the quantity to order', async () => {
      const list = await rows('inventory', 'reorder-list');
      // available ≤ point: 501@A 5 ≤ 10 (rule qty 20), 502@A 3 ≤ 11 derived (no qty: 11 − 3),
      // 500@B 0 ≤ 25 (max(10, 25)), 501@B 0 ≤ 0 (rule qty 5). 500@A: 40 > 30, not listed.
      expect(
        list.map((r) => [r.sku, r.warehouse, r.available, r.reorder_point, r.suggested_quantity]),
      ).toEqual([
        ['SKU-DRL', 'WH-B', 0, 0, 5],
        ['SKU-HAM', 'WH-B', 0, 25, 25],
        ['SKU-LIC', 'WH-A', 3, 11, 8],
        ['SKU-DRL', 'WH-A', 5, 10, 20],
      ]);
      expect(await rows('inventory', 'items-to-reorder')).toEqual([{ items: 4 }]);
      expect(await rows('inventory', 'items-to-reorder', '?category=1')).toEqual([{ items: 3 }]);
      // 502@A: 15 units shipped in 30 days → 0.5 a day; 3 available → 6 days.
      expect((await rows('inventory', 'days-of-cover'))[0]).toMatchObject({
        item: 'SKU-LIC · WH-A',
        days_of_cover: 6,
        stock: 'At or below reorder point',
      });
    });

    it('values stock at on hand × current cost, and counts units without a cost apart', async () => {
      // WH-A: 50 × 4 + 5 × 30 = 350 (3 licences have no cost); WH-B: 20 × 4 = 80.
      expect(await rows('inventory', 'stock-value-by-warehouse')).toEqual([
        {
          warehouse: 'Main',
          warehouse_code: 'WH-A',
          stock_value: 350,
          units: 58,
          units_without_cost: 3,
        },
        {
          warehouse: 'Second',
          warehouse_code: 'WH-B',
          stock_value: 80,
          units: 20,
          units_without_cost: 0,
        },
      ]);
      expect(await rows('inventory', 'stock-value')).toEqual([
        { stock_value: '430.00', units_without_cost: 3 },
      ]);
      const march = await rows('inventory', 'movements', '?from=2026-03-01&to=2026-03-31');
      expect(march.map((r) => [r.movement_type, r.units, r.movements])).toEqual([
        ['receipt', 200, 1],
        ['reservation', 0, 1],
        ['return', 3, 1],
        ['shipment', 48, 5], // 15 + 9 + 3 + 15 + 6
      ]);
    });

    it('is not open to managers', async () => {
      const r = await env.request('GET', '/api/v1/dashboards/inventory', { key: managerNorth });
      expect(r.status).toBe(403);
    });
  });
});

/**
 * The journeys of the people who read: an analyst's CSV, an executive's figures and dashboards,
 * an analyst's SQL shared with the executive, and the data team's catalog on the running server.
 * Steps of the one story in users.test.ts (they run on its installation, after the staff's
 * sales), kept in their own file by concern; `j` is that story's shared state, read when each
 * step runs.
 */
import { describe, expect, it } from 'vitest';
import { cents, items, show, type Client, type Installation, type Server } from './support.ts';

/** What the story has set up by the time these steps run. */
export interface Journey {
  readonly inst: Installation;
  readonly server: Server | undefined;
  readonly admin: Client;
  readonly staff: Client;
  readonly manager: Client;
  readonly analyst: Client;
  readonly executive: Client;
  readonly keys: Record<string, string>;
  /** The model the data team built from another checkout before the server started. */
  readonly model: string;
}

export function readerJourneys(j: Journey): void {
  describe('an analyst exports a report as CSV', () => {
    it('downloads sales by month as a CSV file that adds up to the JSON', async () => {
      const csv = await j.analyst.get('/reports/sales?groupBy=month&format=csv');
      expect(csv.status, show(csv)).toBe(200);
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(csv.headers.get('content-disposition')).toMatch(
        /attachment; filename="sales-by-month\.csv"/,
      );
      const lines = csv.text.split('\r\n').filter(Boolean);
      expect(lines[0]).toBe('key,code,label,revenue,orders,units');
      const json = await j.analyst.get('/reports/sales?groupBy=month');
      expect(json.status, show(json)).toBe(200);
      expect(lines).toHaveLength(json.body.rows.length + 1);
      const csvTotal = lines.slice(1).reduce((s, l) => s + cents(l.split(',')[3]!), 0n);
      const jsonTotal = json.body.rows.reduce((s: bigint, r: any) => s + cents(r.revenue), 0n);
      expect(csvTotal).toBe(jsonTotal);
      expect(jsonTotal).toBeGreaterThan(0n);
    });
  });

  describe('an executive reads sales by category', () => {
    it('sees every category with revenue, the same total as by year', async () => {
      const byCategory = await j.executive.get('/reports/sales?groupBy=category');
      expect(byCategory.status, show(byCategory)).toBe(200);
      const rows = byCategory.body.rows;
      expect(rows.length).toBeGreaterThan(1);
      for (const row of rows) {
        expect(row.label, JSON.stringify(row)).toEqual(expect.any(String));
        expect(row.revenue).toMatch(/^-?\d+\.\d{2}$/);
      }
      // The server refreshes the warehouse by itself after the staff's writes above: a refresh
      // landing between two reads changes the second. Read the year totals around the
      // categories and compare only when both agree (at most a few refreshes away).
      const sum = (rs: any[]) => rs.reduce((s, r) => s + cents(r.revenue), 0n);
      let years = 0;
      const yearTotal = async () => {
        const rs = (await j.executive.get('/reports/sales?groupBy=year')).body.rows;
        years = rs.length;
        return sum(rs);
      };
      for (let attempt = 1; ; attempt++) {
        const before = await yearTotal();
        const categories = await j.executive.get('/reports/sales?groupBy=category');
        const after = await yearTotal();
        if (before === after || attempt === 5) {
          // Each row is rounded to the cent on its own, so two groupings of the same lines may
          // differ by half a cent per row at most (seen: 1 cent on one day's demo).
          const rows = categories.body.rows.length + years;
          const diff = sum(categories.body.rows) - after;
          expect(diff < 0n ? -diff : diff).toBeLessThanOrEqual(BigInt(Math.ceil(rows / 2)));
          break;
        }
      }
    });

    it('may not change anything', async () => {
      const r = await j.executive.post('/customers', { code: 'X-EXEC', name: 'Not allowed' });
      expect(r.status, show(r)).toBe(403);
    });
  });

  describe('an executive opens the dashboards on the demo', () => {
    it('sees the five built-in dashboards; every panel answers data and an SVG', async () => {
      const list = items(await j.executive.get('/dashboards'));
      expect(list.map((d) => d.id).sort()).toEqual(
        ['customers', 'data-health', 'executive', 'inventory', 'sales-team'].sort(),
      );
      for (const d of list) {
        for (const p of d.panels) {
          const data = await j.executive.get(`/dashboards/${d.id}/panels/${p.id}/data`);
          expect(data.status, `${d.id}/${p.id}: ${show(data)}`).toBe(200);
          // The executive overview is the demo's front page: none of it may be empty.
          if (d.id === 'executive')
            expect(data.body.rows.length, `${d.id}/${p.id}`).toBeGreaterThan(0);
          const svg = await j.executive.get(`/dashboards/${d.id}/panels/${p.id}.svg`);
          expect(svg.status, `${d.id}/${p.id}.svg: ${show(svg)}`).toBe(200);
          expect(svg.text).toMatch(/^<svg/);
        }
      }
    });

    it('reads the same revenue, orders and units on the revenue tile as in the sales report', async () => {
      const from = `${new Date().getUTCFullYear() - 1}-01-01`;
      const to = `${new Date().getUTCFullYear() - 1}-12-31`;
      const tile = await j.executive.get(
        `/dashboards/executive/panels/revenue/data?from=${from}&to=${to}`,
      );
      expect(tile.status, show(tile)).toBe(200);
      const report = await j.executive.get(`/reports/sales?groupBy=year&from=${from}&to=${to}`);
      const [year] = report.body.rows;
      expect(year, show(report)).toBeDefined();
      expect(tile.body.rows[0]).toMatchObject({
        revenue: year.revenue,
        orders: year.orders,
        units: year.units,
      });
    });

    it('Eva (North manager) sees North only, and may not read another team by editing the URL', async () => {
      const teams = items(await j.admin.get('/teams?limit=100'));
      const other = teams.find((t) => t.name !== 'North');
      expect(other, 'the demo has more than one team').toBeDefined();
      const mine = await j.manager.get('/dashboards/executive/panels/revenue/data');
      expect(mine.status, show(mine)).toBe(200);
      const north = await j.admin.get('/dashboards/executive/panels/revenue/data?team=1');
      expect(mine.body.rows).toEqual(north.body.rows);
      const theirs = await j.manager.get(
        `/dashboards/executive/panels/revenue/data?team=${other.id}`,
      );
      expect(theirs.status, show(theirs)).toBe(403);
      const image = await j.manager.get(
        `/dashboards/executive/panels/revenue.png?team=${other.id}`,
      );
      expect(image.status).toBe(403);
    });
  });

  describe('an analyst answers a question in SQL and shares it with the executive', () => {
    const QUESTION = `SELECT category_name, sum(revenue) AS revenue, count(DISTINCT order_id) AS orders
      FROM marts.mart_sales_lines GROUP BY ALL ORDER BY category_name`;

    it('runs SQL on the demo: every category, revenue exact to the cent', async () => {
      const page = await fetch(`${j.server!.url}/sql`, { redirect: 'manual' });
      expect(page.status, 'the console asks who you are first').toBe(303);
      const r = await j.analyst.post('/sql', { sql: QUESTION });
      expect(r.status, show(r)).toBe(200);
      expect(r.body.columns.map((c: any) => c.name)).toEqual([
        'category_name',
        'revenue',
        'orders',
      ]);
      expect(r.body.rows.length).toBeGreaterThan(1);
      for (const [name, revenue, orders] of r.body.rows) {
        expect(name).toEqual(expect.any(String));
        expect(revenue, 'DECIMAL as an exact string').toMatch(/^\d+\.\d+$/);
        expect(Number(orders)).toBeGreaterThan(0);
      }
    });

    it('asks the same with the CLI beside the running server', async () => {
      const sql = 'SELECT count(DISTINCT category_name) AS categories FROM marts.mart_sales_lines';
      const r = await j.inst.cli(['sql', sql, '--format', 'csv', '--key', j.keys.analyst!]);
      expect(r.code, r.stderr).toBe(0);
      const api = await j.analyst.post('/sql', { sql });
      expect(r.stdout.trim().split(/\r?\n/)).toEqual(['categories', String(api.body.rows[0][0])]);
    });

    it('saves it shared; the executive runs it but may not write SQL of their own', async () => {
      const saved = await j.analyst.post('/sql/saved', {
        name: 'Revenue by category',
        sql: QUESTION,
        shared: true,
      });
      expect(saved.status, show(saved)).toBe(201);
      const savedId = saved.body.id as number;
      const list = items(await j.executive.get('/sql/saved'));
      expect(list.map((q) => q.name)).toEqual(['Revenue by category']);
      const run = await j.executive.post(`/sql/saved/${savedId}/run`, {});
      expect(run.status, show(run)).toBe(200);
      const mine = await j.analyst.post('/sql', { sql: QUESTION });
      // Categories do not change with a refresh; revenue may (the scheduler keeps up with staff).
      expect(run.body.rows.map((r: any) => r[0])).toEqual(mine.body.rows.map((r: any) => r[0]));
      const own = await j.executive.post('/sql', { sql: 'SELECT 1' });
      expect(own.status, show(own)).toBe(403);
    });
  });

  describe('the data team, on the running server', () => {
    // The server builds from its own models folder: a model the data team built from another
    // checkout (above) leaves its catalog once the server rebuilds, and the server's models
    // are listed as the server built them.
    it('sees the catalog the server built from its models folder, every model published', async () => {
      const list = await j.analyst.get('/models');
      expect(list.status, show(list)).toBe(200);
      const models = items(list);
      expect(models.length).toBeGreaterThan(10);
      expect(models.map((m) => m.name)).not.toContain(j.model);
      for (const m of models) {
        expect(m, m.name).toMatchObject({ status: 'success', lastBuiltAt: expect.any(String) });
      }
    });
  });
}

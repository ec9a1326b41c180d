/**
 * The sales and inventory reports and the model catalog through the real HTTP app, on marts built
 * from the hand-made data set (test/support/warehouse-fixtures.ts). Figures are computed by hand
 * there. One database kind is enough: the reports read DuckDB; PostgreSQL only holds keys and
 * teams. The team report is in test/reports-team.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProject } from '../models/engine/project.ts';
import { startTestEnv, type TestEnv } from './support/harness.ts';
import { withConnection } from './support/raw-tables.ts';
import {
  buildFixtureMarts,
  loadSalesFixture,
  seedFixtureTeams,
} from './support/warehouse-fixtures.ts';

describe('reports API', () => {
  let env: TestEnv;
  let managerKey: string;

  beforeAll(async () => {
    env = await startTestEnv('embedded');
    managerKey = await seedFixtureTeams(env);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('answers 503 naming the command to run while the marts are not built', async () => {
    for (const url of ['/api/v1/reports/sales', '/api/v1/reports/team', '/api/v1/models']) {
      const res = await env.request('GET', url, { key: 'analyst' });
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
      expect(res.body.detail).toMatch(/salesops models build/);
    }
  });

  it('builds the marts', async () => {
    await withConnection(env.warehouse, loadSalesFixture);
    await buildFixtureMarts(env.warehouse);
  });

  it('groups sales by month, rounding revenue half away from zero only at the end', async () => {
    const res = await env.request('GET', '/api/v1/reports/sales?groupBy=month', { key: 'analyst' });
    expect(res.status).toBe(200);
    expect(res.body.rows).toEqual([
      { key: '2026-01', code: null, label: '2026-01', revenue: '439.99', orders: 2, units: 11 },
      { key: '2026-02', code: null, label: '2026-02', revenue: '137.50', orders: 2, units: 4 }, // 137.495
      { key: '2026-03', code: null, label: '2026-03', revenue: '150.00', orders: 1, units: 2 },
    ]);
    const year = await env.request('GET', '/api/v1/reports/sales?groupBy=year', {
      key: 'executive',
    });
    expect(year.body.rows).toEqual([
      { key: '2026', code: null, label: '2026', revenue: '727.49', orders: 5, units: 17 }, // 727.485
    ]);
  });

  it('groups by product: the returned order counts as an order with no units', async () => {
    const res = await env.request('GET', '/api/v1/reports/sales?groupBy=product', {
      key: 'analyst',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ groupBy: 'product', from: null, to: null });
    expect(res.body.rows).toEqual([
      { key: 500, code: 'SKU-HAM', label: 'Hammer', revenue: '127.50', orders: 3, units: 11 }, // 90 + 37.5 + 0
      { key: 501, code: 'SKU-DRL', label: 'Drill', revenue: '250.00', orders: 2, units: 3 }, // 150 + 99.995
      { key: 502, code: 'SKU-LIC', label: 'License', revenue: '349.99', orders: 2, units: 3 }, // 199.99 + 150
    ]);
  });

  it('groups by team, rep, country, customer and category, nulls last', async () => {
    const get = async (q: string) =>
      (await env.request('GET', `/api/v1/reports/sales?${q}`, { key: 'analyst' })).body.rows;
    expect(await get('groupBy=team')).toEqual([
      { key: 1, code: null, label: 'North', revenue: '439.99', orders: 3, units: 11 },
      { key: 2, code: null, label: 'South', revenue: '137.50', orders: 1, units: 4 },
      { key: null, code: null, label: null, revenue: '150.00', orders: 1, units: 2 },
    ]);
    expect(await get('groupBy=rep')).toEqual([
      { key: 10, code: 'R-ANA', label: 'Ana', revenue: '289.99', orders: 1, units: 9 },
      { key: 11, code: 'R-BEN', label: 'Ben', revenue: '150.00', orders: 2, units: 2 },
      { key: 20, code: 'R-CID', label: 'Cid', revenue: '137.50', orders: 1, units: 4 },
      { key: null, code: null, label: null, revenue: '150.00', orders: 1, units: 2 },
    ]);
    expect(await get('groupBy=country')).toEqual([
      { key: 'DE', code: 'DE', label: 'DE', revenue: '150.00', orders: 2, units: 2 },
      { key: 'FR', code: 'FR', label: 'FR', revenue: '577.49', orders: 3, units: 15 }, // 577.485
    ]);
    expect(await get('groupBy=customer')).toEqual([
      { key: 100, code: 'C-ALFA', label: 'Alfa', revenue: '289.99', orders: 1, units: 9 },
      { key: 101, code: 'C-BETA', label: 'Beta', revenue: '150.00', orders: 2, units: 2 },
      { key: 102, code: 'C-GAMA', label: 'Gamma', revenue: '287.50', orders: 2, units: 6 },
    ]);
    expect(await get('groupBy=category')).toEqual([
      { key: 1, code: null, label: 'Hardware', revenue: '250.00', orders: 2, units: 3 }, // 249.995
      { key: 2, code: null, label: 'Tools', revenue: '127.50', orders: 3, units: 11 },
      { key: 3, code: null, label: 'Software', revenue: '349.99', orders: 2, units: 3 },
    ]);
  });

  it('filters by dates, category (with subcategories) and team', async () => {
    const get = async (q: string) =>
      (await env.request('GET', `/api/v1/reports/sales?${q}`, { key: 'analyst' })).body.rows;
    expect(await get('groupBy=month&category=1')).toEqual([
      { key: '2026-01', code: null, label: '2026-01', revenue: '240.00', orders: 2, units: 10 },
      { key: '2026-02', code: null, label: '2026-02', revenue: '137.50', orders: 2, units: 4 },
    ]);
    expect(await get('groupBy=day&from=2026-01-31&to=2026-02-10&team=1')).toEqual([
      {
        key: '2026-01-31',
        code: null,
        label: '2026-01-31',
        revenue: '150.00',
        orders: 1,
        units: 2,
      },
    ]);
  });

  it('filters by rep code and by country, and answers the filters it applied', async () => {
    const get = async (q: string) => {
      const res = await env.request('GET', `/api/v1/reports/sales?${q}`, { key: 'analyst' });
      expect(res.status, res.text).toBe(200);
      return res.body;
    };
    // Ben: 1001 (31 Jan, 150.00, 2 units) and the returned 1006 (20 Feb, 0.00, 0 units).
    const ben = await get('groupBy=month&rep=R-BEN');
    expect(ben).toMatchObject({ rep: 'R-BEN', country: null, team: null });
    expect(ben.rows).toEqual([
      { key: '2026-01', code: null, label: '2026-01', revenue: '150.00', orders: 1, units: 2 },
      { key: '2026-02', code: null, label: '2026-02', revenue: '0.00', orders: 1, units: 0 },
    ]);
    // Lower case is normalised: Alfa (289.99) and Gamma (137.495 + 150, the rep-less 1007).
    const fr = await get('groupBy=customer&country=fr');
    expect(fr.country).toBe('FR');
    expect(fr.rows).toEqual([
      { key: 100, code: 'C-ALFA', label: 'Alfa', revenue: '289.99', orders: 1, units: 9 },
      { key: 102, code: 'C-GAMA', label: 'Gamma', revenue: '287.50', orders: 2, units: 6 },
    ]);
    expect((await get('groupBy=rep&country=FR&rep=R-CID')).rows).toEqual([
      { key: 20, code: 'R-CID', label: 'Cid', revenue: '137.50', orders: 1, units: 4 },
    ]);
    expect((await get('groupBy=year&country=DE&rep=R-ANA')).rows).toEqual([]);
    // A manager's scope still applies: a South rep's sales are outside North's reps.
    const scoped = await env.request('GET', '/api/v1/reports/sales?groupBy=year&rep=R-CID', {
      key: managerKey,
    });
    expect(scoped.body.rows).toEqual([]);
  });

  it('refuses an unknown rep code and a malformed country with 400 naming the field', async () => {
    const rep = await env.request('GET', '/api/v1/reports/sales?rep=R-NOBODY', {
      key: 'analyst',
    });
    expect(rep.status).toBe(400);
    expect(rep.headers.get('content-type')).toMatch(/problem\+json/);
    expect(rep.body.errors).toEqual([
      { field: 'rep', in: 'query', message: 'no rep with code R-NOBODY' },
    ]);
    for (const country of ['FRA', 'F', 'XX', "FR' OR 1=1 --", '12']) {
      const res = await env.request(
        'GET',
        `/api/v1/reports/sales?country=${encodeURIComponent(country)}`,
        { key: 'analyst' },
      );
      expect(res.status, country).toBe(400);
      expect(res.body.errors, country).toEqual([
        { field: 'country', in: 'query', message: expect.stringMatching(/ISO 3166/) },
      ]);
    }
  });

  it('tells apart two customers with one name by their code', async () => {
    const build = () => buildFixtureMarts(env.warehouse);
    const twin = (sqlText: string) => withConnection(env.warehouse, (c) => c.run(sqlText));
    await twin(`INSERT INTO raw.customers (id, code, name, country) VALUES
      (104, 'C-ALF2', 'Alfa', 'FR')`);
    await twin(`INSERT INTO raw.orders (id, number, customer_id, rep_id, status, ordered_at)
      VALUES (1009, 'SO-1009', 104, 10, 'delivered', TIMESTAMPTZ '2026-03-10 08:00:00+00')`);
    await twin(`INSERT INTO raw.order_lines (id, order_id, line_no, product_id, quantity,
      unit_price) VALUES (12, 1009, 1, 502, 1, 10)`);
    try {
      await build();
      const res = await env.request('GET', '/api/v1/reports/sales?groupBy=customer&country=FR', {
        key: 'analyst',
      });
      expect(res.body.rows.filter((r: any) => r.label === 'Alfa')).toEqual([
        { key: 100, code: 'C-ALFA', label: 'Alfa', revenue: '289.99', orders: 1, units: 9 },
        { key: 104, code: 'C-ALF2', label: 'Alfa', revenue: '10.00', orders: 1, units: 1 },
      ]);
    } finally {
      await twin('DELETE FROM raw.order_lines WHERE id = 12');
      await twin('DELETE FROM raw.orders WHERE id = 1009');
      await twin('DELETE FROM raw.customers WHERE id = 104');
      await build();
    }
  });

  // Why DELETE /categories/{id} does not count deleted products (api/catalog/service.ts): a
  // category whose only products are deleted but sold can go, and its sales keep their category.
  it('keeps the sales of a deleted category and its deleted products, under their names', async () => {
    const get = async (q: string) =>
      (await env.request('GET', `/api/v1/reports/sales?${q}`, { key: 'analyst' })).body.rows;
    const queries = ['groupBy=month&category=2', 'groupBy=month&category=1', 'groupBy=category'];
    const before = await Promise.all(queries.map(get));
    expect(before[0]).not.toEqual([]);
    const build = () => buildFixtureMarts(env.warehouse);
    // What ingest copies after DELETE /products/500 and DELETE /categories/2: soft deletes.
    const deleted = (at: string | null) =>
      withConnection(env.warehouse, async (c) => {
        await c.run(`UPDATE raw.products SET deleted_at = ${at} WHERE id = 500`);
        await c.run(`UPDATE raw.product_categories SET deleted_at = ${at} WHERE id = 2`);
      });
    await deleted("TIMESTAMPTZ '2026-03-20 00:00:00+00'");
    try {
      await build();
      expect(await Promise.all(queries.map(get))).toEqual(before);
      expect(before[2]).toContainEqual(
        expect.objectContaining({ key: 2, code: null, label: 'Tools' }),
      );
    } finally {
      await deleted('NULL');
      await build();
    }
  });

  it('limits a manager to the reps of their team', async () => {
    const res = await env.request('GET', '/api/v1/reports/sales?groupBy=month', {
      key: managerKey,
    });
    expect(res.body.rows).toEqual([
      { key: '2026-01', code: null, label: '2026-01', revenue: '439.99', orders: 2, units: 11 },
      { key: '2026-02', code: null, label: '2026-02', revenue: '0.00', orders: 1, units: 0 },
    ]);
  });

  it('serves CSV on format=csv', async () => {
    const res = await env.request('GET', '/api/v1/reports/sales?groupBy=country&format=csv', {
      key: 'analyst',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.text).toBe(
      'key,code,label,revenue,orders,units\r\nDE,DE,DE,150.00,2,2\r\nFR,FR,FR,577.49,3,15\r\n',
    );
  });

  it('refuses staff, a bad groupBy and from after to', async () => {
    expect((await env.request('GET', '/api/v1/reports/sales', { key: 'staff' })).status).toBe(403);
    expect((await env.request('GET', '/api/v1/reports/sales', { key: null })).status).toBe(401);
    const bad = await env.request('GET', '/api/v1/reports/sales?groupBy=planet', {
      key: 'analyst',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('groupBy');
    const order = await env.request('GET', '/api/v1/reports/sales?from=2026-03-01&to=2026-02-01', {
      key: 'analyst',
    });
    expect(order.status).toBe(400);
  });

  it("refuses a date that does not exist with 400 naming the field (not DuckDB's 500)", async () => {
    for (const [q, field] of [
      ['from=2025-02-30', 'from'],
      ['to=2025-02-29', 'to'],
      ['from=2026-04-31&to=2026-05-01', 'from'],
      ['to=2026-13-01', 'to'],
    ] as const) {
      const res = await env.request('GET', `/api/v1/reports/sales?${q}`, { key: 'analyst' });
      expect(res.status, q).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
      expect(res.body.errors).toEqual([
        { field, in: 'query', message: expect.stringMatching(/not a date that exists/) },
      ]);
    }
    // a leap day that exists is fine
    const leap = await env.request('GET', '/api/v1/reports/sales?from=2024-02-29&to=2026-02-28', {
      key: 'analyst',
    });
    expect(leap.status).toBe(200);
    expect(leap.body.rows.length).toBeGreaterThan(0);
  });

  it('reports inventory health with demand over the last 30 and 90 days', async () => {
    const res = await env.request('GET', '/api/v1/reports/inventory', { key: 'executive' });
    expect(res.status).toBe(200);
    expect(res.body.asOf).toBe('2026-03-31');
    const view = res.body.rows.map((r: any) => [
      r.sku,
      r.warehouseCode,
      r.available,
      r.unitsShipped30d,
      r.unitsShipped90d,
      r.avgDailyDemand30d,
      r.avgDailyDemand90d,
      r.daysOfCover30d,
      r.daysOfCover90d,
      r.reorderPoint,
      r.reorderPointSource,
      r.belowReorderPoint,
      r.suggestedReorderQuantity,
    ]);
    expect(view).toEqual([
      ['SKU-DRL', 'WH-A', 5, 3, 3, 0.1, 0.0333, 50, 150, 10, 'rule', true, 20], // max(20, 10 − 5)
      ['SKU-DRL', 'WH-B', 0, 0, 0, 0, 0, null, null, 0, 'rule', true, 5], // rule only, no stock row
      ['SKU-HAM', 'WH-A', 40, 15, 60, 0.5, 0.6667, 80, 60, 30, 'rule', false, 0],
      ['SKU-HAM', 'WH-B', 0, 0, 0, 0, 0, null, null, 25, 'rule', true, 25], // max(10, 25 − 0)
      // no rule: 0.5/day × (14 + 7) = 10.5 → 11; suggested 11 − 3
      ['SKU-LIC', 'WH-A', 3, 15, 45, 0.5, 0.5, 6, 6, 11, 'demand', true, 8],
      ['SKU-LIC', 'WH-B', 0, 0, 0, 0, 0, null, null, null, null, null, null], // no rule, no demand
    ]);
    const below = await env.request('GET', '/api/v1/reports/inventory?belowReorderPoint=true', {
      key: 'analyst',
    });
    expect(below.body.rows.map((r: any) => `${r.sku}@${r.warehouseCode}`)).toEqual([
      'SKU-DRL@WH-A',
      'SKU-DRL@WH-B',
      'SKU-HAM@WH-B',
      'SKU-LIC@WH-A',
    ]);
    const csv = await env.request('GET', '/api/v1/reports/inventory?category=3&format=csv', {
      key: 'analyst',
    });
    expect(csv.text.split('\r\n')[0]).toMatch(/^productId,sku,productName,/);
    expect(csv.text.split('\r\n').slice(1, 3)).toEqual([
      expect.stringMatching(
        /^502,SKU-LIC,License,Software,1,WH-A,3,0,3,15,45,0.5,0.5,6,6,11,demand,,true,8$/,
      ),
      expect.stringMatching(/^502,SKU-LIC,License,Software,2,WH-B,0,0,0,/),
    ]);
  });

  it('lists every model with status, rows, tests and lineage', async () => {
    const res = await env.request('GET', '/api/v1/models', { key: 'analyst' });
    expect(res.status).toBe(200);
    expect(res.body.nextCursor).toBeNull();
    const byName = new Map(res.body.items.map((m: any) => [m.name, m]));
    expect(byName.size).toBe(loadProject().models.size);
    expect(byName.get('fct_orders')).toMatchObject({
      relation: '"core"."fct_orders"',
      materialized: 'table',
      status: 'success',
      rows: 9 - 1, // the soft-deleted order is left out
      upstream: ['fct_order_lines', 'stg_orders', 'stg_sales_reps'],
      downstream: ['int_rep_period_events', 'mart_customer_value'],
      tests: { failed: 0, warned: 0 },
    });
    const m = byName.get('mart_sales_daily') as any;
    expect(m.tests.total).toBe(m.tests.passed);
    expect(m.tests.total).toBeGreaterThan(3);
    expect(m.lastBuiltAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const one = await env.request('GET', '/api/v1/models/mart_sales_daily', { key: 'executive' });
    expect(one.status).toBe(200);
    expect(one.body.testResults.map((t: any) => t.id)).toContain(
      'tests/sales_daily_total_matches_orders',
    );
    expect(one.body.columns.margin_coverage).toMatch(/share of revenue/);
    expect((await env.request('GET', '/api/v1/models/nope', { key: 'admin' })).status).toBe(404);
    expect((await env.request('GET', '/api/v1/models', { key: 'staff' })).status).toBe(403);
  });
});

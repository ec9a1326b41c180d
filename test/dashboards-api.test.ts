/**
 * The dashboards API over HTTP: the built-in panels answer on marts built from the hand-made data
 * set (test/support/warehouse-fixtures.ts) and two segmentation runs written by hand
 * (test/support/segment-fixtures.ts), agreeing with the reports API, binding filters as
 * values, exporting CSV, SVG, PNG and JSON, and keeping a manager to their own team.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DASHBOARDS_DIR, loadDashboards } from '../dashboards/catalog.ts';
import { columnField, kpiColumns, panelKind } from '../dashboards/schema.ts';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import { withConnection } from './support/raw-tables.ts';
import { writeFixtureRuns } from './support/segment-fixtures.ts';
import {
  buildFixtureMarts,
  loadDashboardExtras,
  loadSalesFixture,
  seedFixtureTeams,
} from './support/warehouse-fixtures.ts';

type Encodings = Record<string, { field?: string } | null>;

/** The fields a Vega-Lite spec's encodings name, its layers' included (not those a transform makes). */
function encodedFields(spec: Record<string, unknown>): string[] {
  const layers = ((spec.layer ?? []) as { encoding?: Encodings; transform?: unknown }[]).filter(
    (l) => !l.transform && !spec.transform,
  );
  return [spec.encoding as Encodings | undefined, ...layers.map((l) => l.encoding)]
    .flatMap((e) => Object.values(e ?? {}))
    .map((e) => e?.field)
    .filter((f): f is string => !!f);
}

describeBoth('dashboards API', (kind) => {
  let env: TestEnv;
  let managerNorth: string;

  beforeAll(async () => {
    env = await startTestEnv(kind);
    managerNorth = await seedFixtureTeams(env);
    await withConnection(env.warehouse, async (c) => {
      await loadSalesFixture(c);
      await loadDashboardExtras(c); // a lapsing customer; no sales figure changes
    });
    await buildFixtureMarts(env.warehouse);
    // Two segmentation runs by hand, so the Customers and Inventory segmentation panels have rows.
    await writeFixtureRuns(env.warehouse);
  });
  afterAll(async () => {
    await env?.close();
  });

  const data = (panel: string, q = '', key = 'analyst') =>
    env.request('GET', `/api/v1/dashboards/executive/panels/${panel}/data${q}`, { key });
  const revenue = async (q = '', key = 'analyst') => {
    const r = await data('revenue', q, key);
    expect(r.status, r.text).toBe(200);
    return r.body.rows[0].revenue as string;
  };

  it('lists the dashboards a role may open; staff get none', async () => {
    const list = await env.request('GET', '/api/v1/dashboards', { key: 'executive' });
    expect(list.status).toBe(200);
    expect(list.body.nextCursor).toBeNull();
    expect(list.body.items).toContainEqual({
      id: 'executive',
      title: 'Executive overview',
      description: expect.any(String),
      panels: [
        { id: 'revenue', title: 'Revenue' },
        { id: 'orders', title: 'Orders' },
        { id: 'average-order-value', title: 'Average order value' },
        { id: 'gross-margin', title: 'Gross margin %' },
        { id: 'monthly-revenue', title: 'Monthly revenue and its 3-month average' },
        { id: 'revenue-by-category', title: 'Revenue by category' },
        { id: 'revenue-by-country', title: 'Revenue by country' },
        { id: 'top-customers', title: 'Top 10 customers' },
        { id: 'top-products', title: 'Top 10 products' },
      ],
    });
    expect((await env.request('GET', '/api/v1/dashboards', { key: 'staff' })).status).toBe(403);
    const one = await env.request('GET', '/api/v1/dashboards/executive', { key: 'analyst' });
    expect(one.status).toBe(200);
    expect(one.body.panels.map((p: { kind: string }) => p.kind)).toEqual([
      'kpi',
      'kpi',
      'kpi',
      'kpi',
      'vegaLite',
      'vegaLite',
      'vegaLite',
      'table',
      'table',
    ]);
    expect(JSON.stringify(one.body)).not.toContain('SELECT');
    const none = await env.request('GET', '/api/v1/dashboards/nope', { key: 'analyst' });
    expect(none.status).toBe(404);
    expect(none.body.detail).toBe('no dashboard nope');
    const noPanel = await data('nope');
    expect(noPanel.status).toBe(404);
    expect(noPanel.body.detail).toBe('dashboard executive has no panel nope');
  });

  it('every built-in panel returns rows with the columns its tile, table or chart names', async () => {
    const catalog = env.ctx.dashboards!;
    for (const d of catalog.values())
      for (const p of d.panels) {
        const r = await env.request('GET', `/api/v1/dashboards/${d.id}/panels/${p.id}/data`, {
          key: 'admin',
        });
        expect(r.status, `${d.id}/${p.id}: ${r.text}`).toBe(200);
        expect(r.body.rows.length, `${d.id}/${p.id}`).toBeGreaterThan(0);
        const names = r.body.columns.map((c: { name: string }) => c.name);
        const needed =
          panelKind(p) === 'kpi'
            ? kpiColumns(p.kpi!)
            : panelKind(p) === 'table'
              ? p.table!.columns.map(columnField)
              : encodedFields(p.vegaLite!);
        for (const n of needed) expect(names, `${d.id}/${p.id} column ${n}`).toContain(n);
      }
  });

  it('answers the figures of the hand-made data set; filters change them', async () => {
    expect(await revenue()).toBe('727.49'); // 727.485, rounded once at the end
    expect(await revenue('?category=3')).toBe('349.99');
    expect(await revenue('?category=1')).toBe('377.50'); // Hardware includes Tools
    expect(await revenue('?team=2')).toBe('137.50');
    expect(await revenue('?country=de')).toBe('150.00');
    expect(await revenue('?rep=R-ANA')).toBe('289.99');
    expect(await revenue('?from=2026-03-01')).toBe('150.00');
    const months = await data('monthly-revenue');
    expect(months.body.rows).toEqual([
      { month: '2026-01', revenue: 439.99, orders: 2 },
      { month: '2026-02', revenue: 137.5, orders: 2 },
      { month: '2026-03', revenue: 150, orders: 1 },
    ]);
    const top = await data('top-customers', '?to=2026-01-31');
    expect(top.body.rows).toEqual([
      {
        customer_id: 100,
        customer_code: 'C-ALFA',
        customer: 'Alfa',
        country: 'FR',
        revenue: '289.99',
        orders: 1,
      },
      {
        customer_id: 101,
        customer_code: 'C-BETA',
        customer: 'Beta',
        country: 'DE',
        revenue: '150.00',
        orders: 1,
      },
    ]);
    const badRep = await data('revenue', '?rep=R-NOBODY');
    expect(badRep.status).toBe(400);
    expect(badRep.body.errors).toEqual([
      { field: 'rep', in: 'query', message: 'no rep with code R-NOBODY' },
    ]);
    const badDates = await data('revenue', '?from=2026-03-01&to=2026-02-01');
    expect(badDates.status).toBe(400);
  });

  it('binds filters as values, never as SQL text', async () => {
    const r = await data('revenue', `?country=${encodeURIComponent("x' OR 1=1 --")}`);
    expect(r.status).toBe(400);
    const rep = await data('revenue', `?rep=${encodeURIComponent("R-ANA' OR 1=1 --")}`);
    expect(rep.status).toBe(400);
  });

  it('revenue equals GET /reports/sales for the same filters, to the cent', async () => {
    for (const q of [
      '',
      'from=2026-02-01',
      'from=2026-01-01&to=2026-01-31',
      'from=2026-01-31&to=2026-02-10&team=1',
      'category=1',
      'category=2&team=1',
      'from=2027-01-01',
    ]) {
      const report = await env.request('GET', `/api/v1/reports/sales?groupBy=year&${q}`, {
        key: 'executive',
      });
      expect(report.status).toBe(200);
      // One year of data, so the year row is the whole range (and no row is 0.00).
      const expected = report.body.rows[0]?.revenue ?? '0.00';
      expect(await revenue(`?${q}`, 'executive'), q).toBe(expected);
    }
  });

  it("a manager sees their own team's figures and cannot see another team's by editing the URL", async () => {
    expect(await revenue('', managerNorth)).toBe('439.99'); // North only
    expect(await revenue('?team=1', managerNorth)).toBe('439.99');
    const south = await data('revenue', '?team=2', managerNorth);
    expect(south.status).toBe(403);
    expect(south.body.detail).toBe('a manager sees only their own team (1), not team 2');
    // The rep filter cannot reach around the team: a South rep's figures are North ∩ Cid = none.
    expect(await revenue('?rep=R-CID', managerNorth)).toBe('0.00');
    const report = await env.request('GET', '/api/v1/reports/sales?groupBy=year', {
      key: managerNorth,
    });
    expect(report.body.rows[0].revenue).toBe('439.99');
    // The harness's manager belongs to no team: nothing to show, said so.
    const lone = await data('revenue', '', 'manager');
    expect(lone.status).toBe(403);
    expect(lone.body.detail).toMatch(/in no team/);
  });

  it('exports a panel as CSV with money as numbers', async () => {
    const res = await fetch(
      `${env.baseUrl}/api/v1/dashboards/executive/panels/top-customers/data?format=csv&to=2026-01-31`,
      { headers: { authorization: `Bearer ${env.keys.analyst}` } },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toBe(
      'attachment; filename="executive-top-customers.csv"',
    );
    expect(await res.text()).toBe(
      'customer_id,customer_code,customer,country,revenue,orders\r\n' +
        '100,C-ALFA,Alfa,FR,289.99,1\r\n101,C-BETA,Beta,DE,150.00,1\r\n',
    );
  });
  it('draws every built-in panel as SVG with marks, PNG and JSON, from the same rows; a manager gets no other team by image either', async () => {
    const catalog = await loadDashboards(DASHBOARDS_DIR);
    const get = (url: string, key = env.keys.analyst) =>
      fetch(`${env.baseUrl}/api/v1${url}`, { headers: { authorization: `Bearer ${key}` } });
    for (const d of catalog.values())
      for (const p of d.panels) {
        const base = `/dashboards/${d.id}/panels/${p.id}`;
        // A filter the dashboard does not offer is a 400 (data health has none).
        const svg = await get(`${base}.svg${d.filters.includes('to') ? '?to=2026-01-31' : ''}`);
        expect(svg.status, `${base}.svg`).toBe(200);
        expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
        const text = await svg.text();
        expect(text, `${base}.svg has marks`).toMatch(/class="mark-/);
        expect(text).not.toContain('No data for these filters');
      }
    const png = await get('/dashboards/executive/panels/monthly-revenue.png');
    expect(png.headers.get('content-type')).toBe('image/png');
    expect([...new Uint8Array(await png.arrayBuffer()).slice(0, 4)]).toEqual([
      0x89, 0x50, 0x4e, 0x47,
    ]);
    const json = await (await get('/dashboards/executive/panels/revenue-by-category.json')).json();
    expect(json.data.values.length).toBeGreaterThan(0);
    expect(json.title).toBe('Revenue by category');
    // A filter that leaves nothing says so instead of an empty frame.
    const empty = await get(
      '/dashboards/executive/panels/monthly-revenue.svg?from=2001-01-01&to=2001-01-31',
    );
    expect(await empty.text()).toContain('No data for these filters');
    const south = await get(
      '/dashboards/executive/panels/monthly-revenue.svg?team=2',
      managerNorth,
    );
    expect(south.status).toBe(403);
  });
});

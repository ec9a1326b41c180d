/**
 * Drill-through (GET /dashboards/{id}/panels/{panel}/rows) over marts built from the hand-made
 * sales data set: the rows behind a panel with its filters, sorted by a drill column (400 for any
 * other), paged by cursor without repeats, all of them as CSV, a link to the order only for roles
 * that may read orders, and a manager kept to their own team.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import { asSession, signInAs } from './support/sessions.ts';
import { rowsOf, withConnection } from './support/raw-tables.ts';
import {
  buildFixtureMarts,
  loadSalesFixture,
  seedFixtureTeams,
} from './support/warehouse-fixtures.ts';

type Row = Record<string, unknown>;

describeBoth('dashboard drill-through rows', (kind) => {
  let env: TestEnv;
  let managerNorth: string;
  let lines: number;

  beforeAll(async () => {
    env = await startTestEnv(kind);
    managerNorth = await seedFixtureTeams(env);
    await withConnection(env.warehouse, loadSalesFixture);
    await buildFixtureMarts(env.warehouse);
    const [count] = await rowsOf(env.warehouse, 'SELECT count(*) AS n FROM marts.mart_sales_lines');
    lines = Number(count!.n);
  });
  afterAll(async () => {
    await env?.close();
  });

  const rows = (q = '', key = 'analyst', panel = 'revenue-by-category') =>
    env.request('GET', `/api/v1/dashboards/executive/panels/${panel}/rows${q}`, { key });

  it('lists the lines behind a panel, newest first by default, each with its order link', async () => {
    const r = await rows();
    expect(r.status, r.text).toBe(200);
    expect(r.body.items).toHaveLength(lines);
    expect(r.body.nextCursor).toBeNull();
    const dates = r.body.items.map((i: Row) => i.order_date);
    expect(dates).toEqual([...dates].sort().reverse());
    expect(r.body.items[0]).toEqual({
      order_id: 1007,
      order_number: 'SO-1007',
      order_date: '2026-03-05',
      customer_code: 'C-GAMA',
      customer: 'Gamma',
      sku: 'SKU-LIC',
      product: 'License',
      rep_code: null,
      rep: null,
      units: 2,
      revenue: '150.00',
      orderUrl: '/api/v1/orders/1007',
    });
    // The panel's filters apply: Software is the License lines only.
    const software = await rows('?category=3');
    expect(software.body.items.map((i: Row) => i.sku)).toEqual(['SKU-LIC', 'SKU-LIC']);
  });

  it('sorts by any drill column, either way; any other sort is a 400 naming it', async () => {
    const desc = await rows('?sort=revenue&order=desc');
    const amounts = desc.body.items.map((i: Row) => Number(i.revenue));
    expect(amounts).toEqual([...amounts].sort((a, b) => b - a));
    expect(desc.body.items[0].revenue).toBe('199.99');
    const asc = await rows('?sort=customer&order=asc');
    const names = asc.body.items.map((i: Row) => i.customer);
    expect(names).toEqual([...names].sort());

    const bad = await rows('?sort=order_id');
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      {
        field: 'sort',
        in: 'query',
        message:
          'one of order_date, order_number, customer_code, customer, sku, product, rep_code, rep, units, revenue',
      },
    ]);
    expect((await rows('?order=sideways')).status).toBe(400);
    expect((await rows('?limit=1001')).status).toBe(400);
    expect((await rows('?cursor=not-ours')).status).toBe(400);
  });

  it('pages with nextCursor: every line once, in the same order as one page', async () => {
    const whole = (await rows('?sort=revenue')).body.items as Row[];
    const seen: Row[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `?sort=revenue&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await rows(q);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(whole);
  });

  it('downloads every row as CSV, money as numbers', async () => {
    const res = await fetch(
      `${env.baseUrl}/api/v1/dashboards/executive/panels/monthly-revenue/rows?format=csv&sort=order_number&order=asc&to=2026-01-31`,
      { headers: { authorization: `Bearer ${env.keys.executive}` } },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toBe(
      'attachment; filename="executive-monthly-revenue-rows.csv"',
    );
    expect(await res.text()).toBe(
      [
        'order_date,order_number,customer_code,customer,sku,product,rep_code,rep,units,revenue',
        '2026-01-15,SO-1000,C-ALFA,Alfa,SKU-HAM,Hammer,R-ANA,Ana,8,90.00',
        '2026-01-15,SO-1000,C-ALFA,Alfa,SKU-LIC,License,R-ANA,Ana,1,199.99',
        '2026-01-31,SO-1001,C-BETA,Beta,SKU-DRL,Drill,R-BEN,Ben,2,150.00',
        '',
      ].join('\r\n'),
    );
  });

  it('links rows to their order only for roles that may read orders', async () => {
    const analyst = await rows('', 'analyst');
    expect(analyst.body.items.every((i: Row) => typeof i.orderUrl === 'string')).toBe(true);
    const executive = await rows('', 'executive');
    expect(executive.status).toBe(200);
    expect(executive.body.items.some((i: Row) => 'orderUrl' in i)).toBe(false);
    // The link is not refused to the role that got it (the fixture's orders live only in the
    // warehouse, so the operational API does not find it), and is refused to the one that did not.
    const url = analyst.body.items[0].orderUrl as string;
    expect((await env.request('GET', url, { key: 'analyst' })).status).toBe(404);
    expect((await env.request('GET', url, { key: 'executive' })).status).toBe(403);
    const manager = await rows('', managerNorth);
    expect(manager.body.items[0].orderUrl).toMatch(/^\/api\/v1\/orders\/\d+$/);
    expect((await rows('', 'staff')).status).toBe(403);
  });

  it("keeps a manager to their team's lines; another team by URL is a 403", async () => {
    const north = await rows('', managerNorth);
    expect(north.status).toBe(200);
    expect(new Set(north.body.items.map((i: Row) => i.order_number))).toEqual(
      new Set(['SO-1000', 'SO-1001', 'SO-1006']),
    );
    const south = await rows('?team=2', managerNorth);
    expect(south.status).toBe(403);
    expect(south.body.detail).toBe('a manager sees only their own team (1), not team 2');
  });

  it("GET /dashboards/{id} tells the page each panel's select and whether it has rows", async () => {
    const d = await env.request('GET', '/api/v1/dashboards/executive', { key: 'analyst' });
    expect(d.status).toBe(200);
    expect(d.body.drill.columns[0]).toEqual({ field: 'order_date', title: 'Date', format: 'date' });
    const panel = (id: string) => d.body.panels.find((p: { id: string }) => p.id === id);
    expect(panel('monthly-revenue').select).toEqual({ filter: 'month', field: 'month' });
    expect(panel('revenue-by-category').select).toEqual({
      filter: 'category',
      field: 'category_id',
    });
    expect(panel('revenue').drill).toBe(true);
    expect(JSON.stringify(d.body)).not.toContain('SELECT');
  });

  it('the pages: a friendly 403 for staff, a 404 page for an unknown dashboard, the vendor files by allow-list', async () => {
    const page = async (path: string, role: 'staff' | 'analyst' | 'executive') => {
      const s = await signInAs(env, role);
      return env.request('GET', path, asSession(s));
    };
    const list = await page('/dashboards', 'executive');
    expect(list.status).toBe(200);
    expect(list.text).toContain('href="/dashboards/executive"');
    const staff = await page('/dashboards/executive', 'staff');
    expect(staff.status).toBe(403);
    expect(staff.headers.get('content-type')).toMatch(/^text\/html/);
    expect(staff.text).toContain('the staff role has none');
    const unknown = await page('/dashboards/nope', 'analyst');
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('There is no dashboard nope.');
    // Signed out: to the sign-in page and back.
    const out = await env.request('GET', '/dashboards/executive?from=2026-01-01', { key: null });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe(
      `/login?next=${encodeURIComponent('/dashboards/executive?from=2026-01-01')}`,
    );
    // The dashboard page: the default range is the 12 calendar months to the latest order's day
    // (5 March 2026), to date.
    const dash = await page('/dashboards/executive', 'analyst');
    expect(dash.text).toContain('value="2025-04-01"');
    expect(dash.text).toContain('value="2026-03-05"');
    const csp = dash.headers.get('content-security-policy')!;
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toContain('unsafe-inline');
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    expect(dash.text).toContain(`<script type="importmap" nonce="${nonce}">`);

    for (const file of [
      'vega.min.js',
      'vega-lite.min.js',
      'vega-embed.min.js',
      'vega-interpreter.js',
      'vega-util.js',
    ]) {
      const r = await fetch(`${env.baseUrl}/assets/vendor/${file}`);
      expect(r.status, file).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/javascript/);
    }
    for (const file of [
      'package.json',
      '..%2F..%2Fpackage.json',
      'vega-util/index.js',
      'vega-util/..%2F..%2Fvega%2Fpackage.json',
    ])
      expect((await fetch(`${env.baseUrl}/assets/vendor/${file}`)).status, file).toBe(404);
  });

  it("a panel's own drill answers its own rows and columns, sortable by them; the dashboard's stays the default", async () => {
    const get = (path: string) =>
      env.request('GET', `/api/v1/dashboards/${path}`, { key: 'analyst' });
    // Win rate: the opportunities closed in the period, latest first, with the codes beside the
    // names and no order link (an opportunity is not an order).
    const closed = await get('sales-team/panels/win-rate/rows?from=2026-01-01&to=2026-03-31');
    expect(closed.status, closed.text).toBe(200);
    const columns = [
      'closed',
      'opportunity',
      'customer_code',
      'customer',
      'rep_code',
      'rep',
      'outcome',
      'expected_value',
      'created',
      'cycle_days',
    ];
    for (const item of closed.body.items) expect(Object.keys(item)).toEqual(columns);
    expect(closed.body.items.map((i: Row) => [i.closed, i.outcome, i.expected_value])).toEqual([
      ['2026-02-15', 'Lost', '800.00'],
      ['2026-02-11', 'Won', '500.00'],
      ['2026-02-09', 'Won', '400.00'],
      ['2026-02-05', 'Won', '1000.00'],
    ]);
    const byValue = await get('sales-team/panels/win-rate/rows?sort=expected_value&order=asc');
    expect(byValue.body.items.map((i: Row) => i.expected_value)).toEqual([
      '400.00',
      '500.00',
      '800.00',
      '1000.00',
    ]);
    // Another panel's column is not this drill's.
    const bad = await get('sales-team/panels/win-rate/rows?sort=weighted_value');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].message).toBe(`one of ${columns.join(', ')}`);
    // The pipeline's rows are the opportunities open now, whatever the dates.
    const open = await get('sales-team/panels/pipeline-by-stage/rows?sort=stage&order=asc');
    expect(open.status).toBe(200);
    expect(open.body.items.map((i: Row) => i.stage)).toEqual(['lead', 'proposal', 'qualified']);
    expect(open.body.items[0]).toHaveProperty('weighted_value');

    // The detail gives each panel its own columns, the dashboard's where it has none.
    const detail = await get('customers');
    const panel = (d: { panels: { id: string }[] }, id: string) =>
      d.panels.find((p) => p.id === id) as unknown as Row;
    expect(panel(detail.body, 'top-customers').drillColumns).toEqual(detail.body.drill.columns);
    expect(panel(detail.body, 'lapsing-customers')).toMatchObject({
      drill: false,
      drillColumns: null,
    });
    const sales = (await get('sales-team')).body;
    expect(sales.drill).toBeNull();
    expect((panel(sales, 'win-rate').drillColumns as unknown[])[0]).toEqual({
      field: 'closed',
      title: 'Closed',
      format: 'date',
    });
    // The customers' dashboard drill: order lines with their links, as the executive's.
    const lines = await get('customers/panels/top-customers/rows?category=3');
    expect(lines.body.items.map((i: Row) => [i.sku, i.customer_code])).toEqual([
      ['SKU-LIC', 'C-GAMA'],
      ['SKU-LIC', 'C-ALFA'],
    ]);
    expect(lines.body.items[0].orderUrl).toBe('/api/v1/orders/1007');
    // A panel that opts out has no rows.
    expect((await get('customers/panels/lapsing-customers/rows')).status).toBe(404);
  });

  it('404 for an unknown panel or dashboard', async () => {
    const none = await rows('', 'analyst', 'nope');
    expect(none.status).toBe(404);
    expect(none.body.detail).toBe('dashboard executive has no panel nope');
    const dash = await env.request('GET', '/api/v1/dashboards/nope/panels/x/rows', {
      key: 'analyst',
    });
    expect(dash.status).toBe(404);
  });
});

/**
 * Dashboards as files (dashboards/*.yaml): the loader's errors name the file and the field, a
 * query that reads anything but marts.* is refused when the files load, and the built-in panels
 * answer over HTTP on marts built from the hand-made data set (test/support/warehouse-fixtures.ts),
 * agreeing with the reports API and keeping a manager to their own team.
 */
import fs from 'node:fs';
import path from 'node:path';
import { validateSpec } from '../dashboards/render.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARDS_DIR, loadDashboards } from '../dashboards/catalog.ts';
import { columnField, kpiColumns, panelDrill, panelKind } from '../dashboards/schema.ts';
import { loadProject } from '../models/engine/project.ts';
import { runProject } from '../models/engine/runner.ts';
import { describeBoth, startTestEnv, tempDir, type TestEnv } from './support/harness.ts';
import {
  loadDashboardExtras,
  loadSalesFixture,
  seedFixtureTeams,
  withConnection,
} from './support/warehouse-fixtures.ts';

const PANEL = `
  - id: p
    title: P
    filters: [from]
    kpi: { value: n }
    query: SELECT count(*) AS n FROM marts.mart_sales_lines WHERE order_date >= $from`;

function dashboardFile(body: string, name = 'bad'): string {
  const dir = tempDir('salesops-dash-');
  fs.writeFileSync(
    path.join(dir, `${name}.yaml`),
    `id: ${name}\ntitle: Bad\nroles: [analyst]\nfilters: [from]\npanels:${body}\n`,
  );
  return dir;
}

async function loadError(dir: string): Promise<string> {
  try {
    await loadDashboards(dir);
  } catch (e) {
    return (e as Error).message;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  throw new Error('the files loaded');
}

describe('dashboard files', () => {
  it('name the file and the field of the first problem', async () => {
    const missing = `${PANEL}${PANEL.replace('id: p', 'id: q')}
  - id: r
    title: R
    table: { columns: [n] }`;
    expect(await loadError(dashboardFile(missing))).toMatch(
      /bad\.yaml: panels\.2\.query: required$/,
    );
    expect(await loadError(dashboardFile(`${PANEL}\n    vegaLite: { mark: bar }`))).toMatch(
      /bad\.yaml: panels\.0: needs exactly one of vegaLite, kpi, table \(has vegaLite, kpi\)$/,
    );
    expect(
      await loadError(dashboardFile(PANEL.replace('filters: [from]', 'filters: [team]'))),
    ).toMatch(
      /bad\.yaml: panels\.0\.filters\.0: team is not one of the dashboard's filters \(from\)$/,
    );
    expect(await loadError(dashboardFile(`${PANEL}\n    colour: red`))).toMatch(
      /bad\.yaml: panels\.0: Unrecognized key: "colour"$/,
    );
  });

  it('refuse a query that reads raw.* (or anything but marts.*), naming the file and panel', async () => {
    const cases: [string, RegExp][] = [
      ['SELECT count(*) AS n FROM raw.orders WHERE ordered_at >= $from', /not raw\.orders$/],
      [
        'WITH o AS (SELECT * FROM raw.orders) SELECT count(*) AS n FROM o WHERE x >= $from',
        /not raw\.orders$/,
      ],
      [
        'SELECT count(*) AS n FROM marts.mart_sales_lines WHERE order_id IN (SELECT id FROM core.fct_order_lines) AND order_date >= $from',
        /not core\.fct_order_lines$/,
      ],
      [
        "SELECT count(*) AS n FROM read_csv('/etc/passwd') WHERE a >= $from",
        /table function read_csv\(\)$/,
      ],
      ['SELECT 1 AS n WHERE $from IS NULL; SELECT 2', /one SELECT statement \(has 2\)$/],
      ['DELETE FROM marts.mart_sales_lines', /not a SELECT DuckDB can parse/],
      [
        'SELECT count(*) AS n FROM marts.mart_sales_lines',
        /filters list from but the query never reads \$from$/,
      ],
      [
        'SELECT count(*) AS n FROM marts.mart_sales_lines WHERE order_date >= $from AND team_id = $team',
        /uses \$team but its filters do not list team$/,
      ],
    ];
    for (const [query, reason] of cases) {
      const body = PANEL.replace(/query: .*/, `query: ${JSON.stringify(query)}`);
      const message = await loadError(dashboardFile(body));
      expect(message, query).toMatch(/bad\.yaml: panels\.0\.query \(panel p\): /);
      expect(message, query).toMatch(reason);
    }
  });

  it('check select (cross-filter) and drill (drill-through), naming the file and the field', async () => {
    const withFilters = (filters: string, body: string) => {
      const dir = dashboardFile(body);
      const file = path.join(dir, 'bad.yaml');
      fs.writeFileSync(
        file,
        fs
          .readFileSync(file, 'utf8')
          .replace('filters: [from]\npanels:', `filters: ${filters}\npanels:`),
      );
      return dir;
    };
    const select = (sel: string) => `${PANEL}\n    select: ${sel}`;
    expect(await loadError(dashboardFile(select('{ filter: category, field: n }')))).toMatch(
      /bad\.yaml: panels\.0\.select\.filter: category is not one of the dashboard's filters \(from\)$/,
    );
    expect(await loadError(dashboardFile(select('{ filter: month, field: n }')))).toMatch(
      /bad\.yaml: panels\.0\.select\.filter: month sets from and to, which the dashboard does not offer$/,
    );
    expect(await loadError(dashboardFile(select('{ filter: weekday, field: n }')))).toMatch(
      /bad\.yaml: panels\.0\.select\.filter: Invalid option/,
    );
    expect(
      await loadError(withFilters('[from, to]', select('{ filter: month, field: month }'))),
    ).toMatch(
      /bad\.yaml: panels\.0\.select\.field: month is not a column of the query \(it has n\)$/,
    );
    expect(await loadError(dashboardFile(`${PANEL}\n    drill: false`))).toMatch(
      /bad\.yaml: panels\.0\.drill: the dashboard has no drill query to opt out of$/,
    );

    /** A good panel and a drill with this query, columns and filters. */
    const drill = (query: string, columns = '[n]', filters = '[from]') => {
      const dir = dashboardFile(PANEL);
      fs.appendFileSync(
        path.join(dir, 'bad.yaml'),
        `drill:\n  filters: ${filters}\n  columns: ${columns}\n  query: ${JSON.stringify(query)}\n`,
      );
      return dir;
    };
    const good = 'SELECT order_id AS n FROM marts.mart_sales_lines WHERE order_date >= $from';
    expect(await loadError(drill(good.replace('marts.mart_sales_lines', 'raw.orders')))).toMatch(
      /bad\.yaml: drill\.query: may read only marts\.\* tables .*not raw\.orders$/,
    );
    expect(await loadError(drill(good, '[n, revenue]'))).toMatch(
      /bad\.yaml: drill\.columns\.1: revenue is not a column of the query \(it has n\)$/,
    );
    expect(await loadError(drill(good, '[n]', '[]'))).toMatch(
      /bad\.yaml: drill\.query: uses \$from but its filters do not list from$/,
    );
    expect(await loadError(drill(good, '[n]', '[team]'))).toMatch(
      /bad\.yaml: drill\.filters\.0: team is not one of the dashboard's filters \(from\)$/,
    );
    const noQuery = dashboardFile(PANEL);
    fs.appendFileSync(path.join(noQuery, 'bad.yaml'), 'drill:\n  columns: [n]\n');
    expect(await loadError(noQuery)).toMatch(/bad\.yaml: drill\.query: required$/);
    // A good one loads, its query's marts known for the 503 check.
    const ok = drill(good);
    const catalog = await loadDashboards(ok);
    fs.rmSync(ok, { recursive: true, force: true });
    expect(catalog.get('bad')!.drill!.relations).toEqual(['marts.mart_sales_lines']);
  });

  it("check a panel's own drill as the dashboard's, naming panels.N.drill", async () => {
    const good = 'SELECT title AS t FROM marts.mart_opportunities WHERE closed_date >= $from';
    /** The panel with its own drill: this query, columns and filters; the file's header edited. */
    const own = (query: string, columns = '[t]', filters = '[from]', header = (s: string) => s) => {
      const dir = dashboardFile(
        `${PANEL}\n    drill:\n      filters: ${filters}\n      columns: ${columns}\n      query: ${JSON.stringify(query)}`,
      );
      const file = path.join(dir, 'bad.yaml');
      fs.writeFileSync(file, header(fs.readFileSync(file, 'utf8')));
      return dir;
    };
    expect(await loadError(own(good.replace('marts.mart_opportunities', 'raw.orders')))).toMatch(
      /bad\.yaml: panels\.0\.drill\.query: may read only marts\.\* tables .*not raw\.orders$/,
    );
    expect(await loadError(own(good, '[t]', '[]'))).toMatch(
      /bad\.yaml: panels\.0\.drill\.query: uses \$from but its filters do not list from$/,
    );
    expect(await loadError(own('SELECT title AS t FROM marts.mart_opportunities'))).toMatch(
      /bad\.yaml: panels\.0\.drill\.query: its filters list from but the query never reads \$from$/,
    );
    expect(await loadError(own(good, '[t, stage]'))).toMatch(
      /bad\.yaml: panels\.0\.drill\.columns\.1: stage is not a column of the query \(it has t\)$/,
    );
    expect(await loadError(own(good, '[t]', '[country]'))).toMatch(
      /bad\.yaml: panels\.0\.drill\.filters\.0: country is not one of the dashboard's filters \(from\)$/,
    );
    // A filter of the dashboard the panel does not apply: its rows would not be its figures'.
    const withTo = (s: string) =>
      s.replace('filters: [from]\npanels:', 'filters: [from, to]\npanels:');
    expect(
      await loadError(own(`${good} AND closed_date <= $to`, '[t]', '[from, to]', withTo)),
    ).toMatch(
      /bad\.yaml: panels\.0\.drill\.filters\.1: to is not one of the panel's filters \(from\)/,
    );
    // Open to managers: the panel reads team, and its drill must too (their team is forced).
    const managers = (s: string) =>
      s
        .replace('[analyst]', '[manager]')
        .replace('filters: [from]\npanels:', 'filters: [from, team]\npanels:')
        .replace('    filters: [from]\n', '    filters: [from, team]\n')
        .replace('WHERE order_date >= $from', 'WHERE order_date >= $from AND team_id = $team');
    expect(await loadError(own(good, '[t]', '[from]', managers))).toMatch(
      /bad\.yaml: panels\.0\.drill\.filters: must include team: the dashboard is open to managers/,
    );
    // A good one loads: its own marts for the 503 check, and the dashboard's drill stays the
    // default of the panels without one.
    const ok = own(good, '[t]', '[from]', (s) =>
      s.replace(
        'panels:',
        `drill:\n  filters: [from]\n  columns: [n]\n  query: "SELECT order_id AS n FROM marts.mart_sales_lines WHERE order_date >= $from"\npanels:${PANEL.replace('id: p', 'id: q')}\n    drill: false${PANEL.replace('id: p', 'id: r')}`,
      ),
    );
    const d = (await loadDashboards(ok)).get('bad')!;
    fs.rmSync(ok, { recursive: true, force: true });
    const [p, q, r] = ['p', 'q', 'r'].map((id) => d.panels.find((x) => x.id === id)!);
    expect(panelDrill(d, p!)?.relations).toEqual(['marts.mart_opportunities']);
    expect(panelDrill(d, q!)).toBeUndefined();
    expect(panelDrill(d, r!)).toBe(d.drill);
  });

  it('the id is the file name', async () => {
    const dir = dashboardFile(PANEL);
    fs.renameSync(path.join(dir, 'bad.yaml'), path.join(dir, 'renamed.yaml'));
    expect(await loadError(dir)).toMatch(
      /renamed\.yaml: id: bad must be the file name \(renamed\)$/,
    );
  });

  it('a dashboard open to managers has the team filter on every panel (their team is forced)', async () => {
    const dir = dashboardFile(PANEL);
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('[analyst]', '[manager]'));
    expect(await loadError(dir)).toMatch(/bad\.yaml: panels\.0\.filters: must include team/);
  });

  it('the built-in specs validate against the Vega-Lite 6 schema', async () => {
    expect(validateSpec({ mark: 'barr' }), 'a bad spec fails').not.toEqual([]);
    const catalog = await loadDashboards(DASHBOARDS_DIR);
    expect([...catalog.keys()]).toContain('executive');
    for (const d of catalog.values())
      for (const p of d.panels.filter((x) => x.vegaLite))
        expect(validateSpec(p.vegaLite), `${d.file} panel ${p.id}`).toEqual([]);
  });
});

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
    const run = await runProject(env.warehouse, loadProject(), {
      command: 'build',
      vars: { timezone: 'UTC', as_of: '2026-03-31' },
    });
    expect(run.models.filter((m) => m.status !== 'success')).toEqual([]);
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
              : Object.values(p.vegaLite!.encoding as Record<string, { field?: string }>)
                  .map((e) => e.field)
                  .filter((f): f is string => !!f);
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

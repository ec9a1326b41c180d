/**
 * Dashboard files (dashboards/*.yaml) as the loader reads them: each problem is one line naming
 * the file and the field, a query that reads anything but marts.* is refused, and select (cross-
 * filter) and drill (drill-through) are checked against the query's columns and the filters.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDashboards } from '../dashboards/catalog.ts';
import { panelDrill } from '../dashboards/schema.ts';
import { dashboardFile, PANEL } from './support/dashboard-files.ts';

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
      // A misspelt mart is the file's mistake, not a build to wait for.
      [
        'SELECT count(*) AS n FROM marts.mart_sales_linez WHERE order_date >= $from',
        /reads marts\.mart_sales_linez, which no model under models\/ makes \(the marts: mart_activities, .*mart_sales_lines/,
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
});

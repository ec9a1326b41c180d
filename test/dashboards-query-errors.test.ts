/**
 * A dashboard query the marts cannot answer: the loader parses each query but has no marts to
 * bind it against, so a column they do not have passes it. Opening such a panel — its data, CSV,
 * drawing or rows — answers 422 naming the dashboard, the panel, the file's field and DuckDB's
 * sentence, never a 500; and the start's check (dashboards/bind-check.ts) names the query in the
 * loader's words, leaves out marts not built yet, and binds every built-in query.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bindDashboardQueries } from '../dashboards/bind-check.ts';
import { loadDashboards } from '../dashboards/catalog.ts';
import { dashboardFile, PANEL } from './support/dashboard-files.ts';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import { withConnection } from './support/raw-tables.ts';
import { buildFixtureMarts, loadSalesFixture } from './support/warehouse-fixtures.ts';

const MISSING = /^Binder Error: Referenced column "no_such_column" not found in FROM clause!$/;

/**
 * `broken.yaml`: panel p is good but shows the dashboard's drill, whose query reads a column the
 * mart does not have; panel q's own query does too. They
 * filter as the built-in files do, `($from IS NULL OR …)`: a type DuckDB cannot infer, so merely
 * preparing them binds nothing.
 */
function brokenFile(): string {
  const from = '($from IS NULL OR order_date >= $from)';
  const q = `SELECT count(DISTINCT no_such_column) AS n FROM marts.mart_sales_lines WHERE ${from}`;
  const drill = `SELECT order_id, no_such_column AS x FROM marts.mart_sales_lines WHERE ${from}`;
  const dir = dashboardFile(
    PANEL + PANEL.replace('id: p', 'id: q').replace(/query: .*/, `query: ${JSON.stringify(q)}`),
    'broken',
  );
  fs.appendFileSync(
    path.join(dir, 'broken.yaml'),
    `drill:\n  filters: [from]\n  columns: [order_id]\n  query: ${JSON.stringify(drill)}\n`,
  );
  return dir;
}

describeBoth('a dashboard query the marts cannot answer', (kind) => {
  let env: TestEnv;
  let dir: string;

  beforeAll(async () => {
    dir = brokenFile();
    env = await startTestEnv(kind, { dashboardsDir: dir });
    await withConnection(env.warehouse, loadSalesFixture);
    await buildFixtureMarts(env.warehouse);
  });
  afterAll(async () => {
    await env?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const get = (url: string) =>
    env.request('GET', `/api/v1/dashboards/broken/panels/${url}`, { key: 'analyst' });

  it("answers 422 naming the dashboard, panel, field and DuckDB's sentence, as data, CSV and SVG", async () => {
    for (const url of ['q/data', 'q/data?format=csv', 'q.svg', 'q.png', 'q.json']) {
      const r = await get(url);
      expect(r.status, `${url}: ${r.text}`).toBe(422);
      expect(r.headers.get('content-type'), url).toMatch(/^application\/problem\+json/);
      expect(r.body, url).toMatchObject({
        dashboard: 'broken',
        panel: 'q',
        file: 'broken.yaml',
        field: 'panels.1.query',
        duckdb: expect.stringMatching(MISSING),
      });
      expect(r.body.detail).toBe(
        `panel q of dashboard broken cannot run its query (broken.yaml: panels.1.query): ${r.body.duckdb}`,
      );
      // DuckDB's lines after the first quote the query, which the API never shows.
      expect(r.text, url).not.toContain('SELECT');
    }
    // The file's good panel answers as ever.
    expect((await get('p/data')).status).toBe(200);
  });

  it('answers 422 for the rows of a drill query that fails, as a page and as CSV', async () => {
    for (const url of ['p/rows', 'p/rows?format=csv']) {
      const r = await get(url);
      expect(r.status, `${url}: ${r.text}`).toBe(422);
      expect(r.body, url).toMatchObject({
        dashboard: 'broken',
        panel: 'p',
        field: 'drill.query',
        duckdb: expect.stringMatching(MISSING),
      });
    }
  });

  it("names each query the marts refuse at start, in the loader's words; every built-in query binds", async () => {
    const file = path.join(dir, 'broken.yaml');
    const problems = await bindDashboardQueries(env.ctx.dashboards!, env.warehouse);
    expect(problems.map((p) => p.replace(/: Binder Error: .*$/, ''))).toEqual([
      `${file}: panels.1.query (panel q)`,
      `${file}: drill.query`,
    ]);
    for (const p of problems) expect(p.slice(p.indexOf('Binder Error'))).toMatch(MISSING);
    expect(await bindDashboardQueries(await loadDashboards(), env.warehouse)).toEqual([]);
  });
});

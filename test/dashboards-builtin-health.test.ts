/**
 * Data health and the checks over every panel of the built-in dashboards, on the hand-made data
 * set (test/support/warehouse-fixtures.ts) through the real app. Data health reads the ops.*
 * views (the panel guard lets a panel read them, and ml.* runs, beside marts.*), so it shows a
 * build the moment it ends. The checks over every panel run after data health's tests, as they
 * always have: by then its panels have a second build and an ingest to show. The figures of the
 * sales-team, customers and inventory dashboards are in test/dashboards-builtin.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDashboards } from '../dashboards/catalog.ts';
import { loadProject } from '../models/engine/project.ts';
import { runProject } from '../models/engine/runner.ts';
import { builtinDashboardCalls, startBuiltinDashboardsEnv } from './support/builtin-dashboards.ts';
import { describeBoth, tempDir, type TestEnv } from './support/harness.ts';
import { withConnection } from './support/raw-tables.ts';
import { FIXTURE_VARS } from './support/warehouse-fixtures.ts';

const NEW_DASHBOARDS = ['sales-team', 'customers', 'inventory', 'data-health'];

describe('the panel guard', () => {
  const load = async (query: string) => {
    const dir = tempDir('salesops-dash-');
    fs.writeFileSync(
      path.join(dir, 'ops.yaml'),
      `id: ops\ntitle: Ops\nroles: [analyst]\npanels:\n  - id: p\n    title: P\n` +
        `    kpi: { value: n }\n    query: ${JSON.stringify(query)}\n`,
    );
    try {
      return await loadDashboards(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  it('accepts the ops.* views and ml.* runs beside marts.*, and still refuses raw, core and meta', async () => {
    const ok = await load('SELECT count(*) AS n FROM ops.pipeline_runs');
    expect(ok.get('ops')!.panels[0]!.relations).toEqual(['ops.pipeline_runs']);
    const ml = await load(
      'SELECT count(*) AS n FROM ml.mart_churn_scores JOIN ml.runs USING (run_id) JOIN marts.mart_customer_value USING (customer_id)',
    );
    expect(ml.get('ops')!.panels[0]!.relations.sort()).toEqual([
      'marts.mart_customer_value',
      'ml.mart_churn_scores',
      'ml.runs',
    ]);
    for (const [query, name] of [
      ['SELECT count(*) AS n FROM meta.runs', 'meta.runs'],
      // ml.runs is the readable face of meta.ml_runs; the table itself stays out of reach.
      ['SELECT count(*) AS n FROM meta.ml_runs', 'meta.ml_runs'],
      ['SELECT count(*) AS n FROM ml.runs JOIN meta.ml_runs USING (run_id)', 'meta.ml_runs'],
      ['SELECT count(*) AS n FROM raw._ingest_runs', 'raw._ingest_runs'],
      ['SELECT count(*) AS n FROM core.fct_opportunities', 'core.fct_opportunities'],
      ['SELECT count(*) AS n FROM ops.pipeline_runs JOIN raw.orders ON true', 'raw.orders'],
    ])
      await expect(load(query!), query).rejects.toThrow(
        new RegExp(
          `may read only marts\\.\\* tables \\(or ml\\.\\* runs, ops\\.\\* views\\), not ${name!.replace('.', '\\.')}$`,
        ),
      );
  });
});

describeBoth('built-in dashboards', (kind) => {
  let env: TestEnv;
  let managerNorth: string;
  let buildRunId: string;
  const { readsRuns, rows } = builtinDashboardCalls(() => env);

  beforeAll(async () => {
    ({ env, managerNorth, buildRunId } = await startBuiltinDashboardsEnv(kind));
  });
  afterAll(async () => {
    await env?.close();
  });

  describe('data health', () => {
    it('shows the last build the moment it ends (live views, not a build behind)', async () => {
      const [ingest, models] = await rows('data-health', 'last-runs');
      expect(ingest).toMatchObject({ pipeline: 'ingest', status: 'never run' });
      expect(models).toMatchObject({
        pipeline: 'models',
        run_id: buildRunId,
        command: 'models build',
        status: 'succeeded',
      });
      const tests = await rows('data-health', 'tests');
      expect(tests).toHaveLength(15); // the first 15 of the build's tests
      expect(tests.filter((t) => t.status === 'fail')).toEqual([]);

      const next = await runProject(env.warehouse, loadProject(), {
        command: 'build',
        select: ['mart_activities'],
        vars: FIXTURE_VARS,
      });
      const [, now] = await rows('data-health', 'last-runs');
      expect(now!.run_id).toBe(next.runId);
      const today = await rows('data-health', 'runs');
      expect(today.reduce((n, r) => n + Number(r.model_runs), 0)).toBeGreaterThanOrEqual(2);
      expect(today.every((r) => r.status === 'succeeded')).toBe(true);
      const history = await rows('data-health', 'test-history');
      expect(new Set(history.map((h) => h.run)).size).toBe(2);
    });

    it('measures freshness from the snapshot of the ingest the marts were built from', async () => {
      // An ingest that finished before the builds above: its snapshot is what the marts hold.
      await withConnection(env.warehouse, (c) =>
        c.run(`INSERT INTO raw._ingest_runs (run_id, status, mode, started_at, finished_at,
                 duration_ms, snapshot_bound, rows_merged, rows_deleted)
               VALUES (1, 'succeeded', 'full', '2026-01-01 00:00:00+00', '2026-01-01 00:00:02+00',
                 2000, '2026-01-01 00:00:00+00', 10, 0)`),
      );
      const fresh = await rows('data-health', 'freshness');
      expect(fresh.map((f) => [f.layer, f.as_of])).toEqual([
        ['Raw copy (last ingest)', '2026-01-01 00:00:00'],
        ['Marts (last published build)', '2026-01-01 00:00:00'],
      ]);
      const [lag] = await rows('data-health', 'marts-lag');
      expect(Number(lag!.minutes)).toBeGreaterThan(0);
      const [ingest] = await rows('data-health', 'last-runs');
      expect(ingest).toMatchObject({ run_id: '1', status: 'succeeded', seconds: 2 });
    });

    it('is not open to managers or staff', async () => {
      for (const key of [managerNorth, 'staff']) {
        const r = await env.request('GET', '/api/v1/dashboards/data-health', { key });
        expect(r.status).toBe(403);
      }
    });
  });

  it('every panel that offers rows answers them with its columns; every select field is in its data', async () => {
    for (const id of [...NEW_DASHBOARDS, 'executive']) {
      const detail = await env.request('GET', `/api/v1/dashboards/${id}`, { key: 'admin' });
      expect(detail.status).toBe(200);
      for (const p of detail.body.panels as Record<string, any>[]) {
        const where = `${id}/${p.id}`;
        if (p.select) {
          const data = await rows(id, p.id);
          expect(data.length, `${where} has data`).toBeGreaterThan(0);
          expect(Object.keys(data[0]!), `${where}: select field`).toContain(p.select.field);
        }
        if (!p.drill) {
          expect(p.drillColumns, where).toBeNull();
          continue;
        }
        const r = await env.request('GET', `/api/v1/dashboards/${id}/panels/${p.id}/rows`, {
          key: 'admin',
        });
        expect(r.status, `${where}: ${r.text}`).toBe(200);
        // The segmentation panels' rows are a run's customers: none before the first run.
        if (readsRuns(id, p.id)) {
          expect(r.body.items, `${where}: no segmentation run yet`).toEqual([]);
          continue;
        }
        expect(r.body.items.length, `${where} has rows`).toBeGreaterThan(0);
        const fields = p.drillColumns.map((c: string | { field: string }) =>
          typeof c === 'string' ? c : c.field,
        );
        for (const item of r.body.items)
          for (const f of fields) expect(item, where).toHaveProperty(f);
      }
    }
    // Data health's tables are the rows: none offers more.
    const health = await env.request('GET', '/api/v1/dashboards/data-health', { key: 'admin' });
    expect(health.body.panels.filter((p: { drill: boolean }) => p.drill)).toEqual([]);
  });

  it('draws every panel of these dashboards as SVG with marks', async () => {
    for (const id of NEW_DASHBOARDS) {
      const d = env.ctx.dashboards!.get(id)!;
      for (const p of d.panels) {
        const res = await fetch(`${env.baseUrl}/api/v1/dashboards/${id}/panels/${p.id}.svg`, {
          headers: { authorization: `Bearer ${env.keys.admin}` },
        });
        expect(res.status, `${id}/${p.id}`).toBe(200);
        const svg = await res.text();
        expect(svg, `${id}/${p.id} has marks`).toMatch(/class="mark-/);
        expect(svg, `${id}/${p.id}`).not.toContain('No data for these filters');
      }
    }
  });
});

/**
 * What the segmentation dashboard suites (test/dashboards-segment*.test.ts) share: the app on
 * PostgreSQL with the demo loaded, ingested and built (no segmentation run yet), the panels over
 * the runs, and the calls the suites make on it.
 */
import { sql } from 'kysely';
import { expect } from 'vitest';
import { loadDemo } from '../../db/demo/index.ts';
import { runIngest } from '../../ingest/run.ts';
import { loadProject } from '../../models/engine/project.ts';
import { runProject } from '../../models/engine/runner.ts';
import { startTestEnv, type TestEnv } from './harness.ts';
import { rowsOf } from './raw-tables.ts';

type Row = Record<string, unknown>;

/** The customers dashboard's panels over the segmentation runs. */
export const SEGMENT_PANELS = [
  'segmented-customers',
  'likely-to-churn',
  'churn-revenue',
  'segment-sizes',
  'segment-movement',
  'customer-clusters',
  'churn-tree',
  'churn-risk',
];
/** The inventory dashboard's panels over the segmentation runs. */
export const PRICE_PANELS = ['category-elasticity', 'price-suggestions'];

/** "at_risk" → "At risk", as the panels show a segment. */
export const label = (code: string) =>
  code === 'cant_lose' ? "Can't lose" : code[0]!.toUpperCase() + code.slice(1).replace(/_/g, ' ');

/**
 * Start the app on PostgreSQL with the demo (3,000 orders, seed 42) ingested and built as of
 * 2026-06-30, the segment job never run (closed again if any of it fails). Minutes on this
 * machine: give the beforeAll 240 s.
 */
export async function startSegmentDemoEnv(): Promise<TestEnv> {
  const env = await startTestEnv('postgres');
  try {
    // The demo loads only into an empty database: drop the harness manager's key and rep.
    await sql`DELETE FROM api_keys WHERE rep_id IS NOT NULL`.execute(env.ops.db);
    await sql`DELETE FROM sales_reps`.execute(env.ops.db);
    await loadDemo(env.ops, { orders: 3000, seed: 42, endDate: new Date('2026-07-01T00:00:00Z') });
    await runIngest(env.ops, env.warehouse, { tempDir: env.config.ingestTempDir, safetyLagMs: 0 });
    const build = await runProject(env.warehouse, loadProject(), {
      command: 'build',
      vars: { timezone: 'UTC', as_of: '2026-06-30' },
    });
    expect(build.models.filter((m) => m.status !== 'success').map((m) => m.error)).toEqual([]);
    return env;
  } catch (e) {
    await env.close();
    throw e;
  }
}

/** The calls of a segmentation dashboard suite on `env()`, the suite's app (started in its beforeAll). */
export function segmentPanelCalls(env: () => TestEnv) {
  /** A panel's data rows (it must answer 200). */
  const data = async (dashboard: string, panel: string, q = '', key = 'analyst') => {
    const r = await env().request(
      'GET',
      `/api/v1/dashboards/${dashboard}/panels/${panel}/data${q}`,
      { key },
    );
    expect(r.status, `${dashboard}/${panel}${q}: ${r.text}`).toBe(200);
    return r.body.rows as Row[];
  };
  /** A panel's drill-through rows (it must answer 200). */
  const rows = async (dashboard: string, panel: string, q = '', key = 'analyst') => {
    const r = await env().request(
      'GET',
      `/api/v1/dashboards/${dashboard}/panels/${panel}/rows${q}`,
      { key },
    );
    expect(r.status, `${dashboard}/${panel} rows${q}: ${r.text}`).toBe(200);
    return r.body.items as Row[];
  };
  /** The id of the newest segmentation run in the warehouse (ml.runs). */
  const newestRun = async () =>
    Number((await rowsOf(env().warehouse, 'SELECT max(run_id) AS r FROM ml.runs'))[0]!.r);
  return { data, rows, newestRun };
}

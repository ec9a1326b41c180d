/**
 * What the built-in dashboard suites (test/dashboards-builtin*.test.ts) share: the app on the
 * hand-made sales fixture and its dashboard extras (warehouse-fixtures.ts), built into marts, and
 * the calls they make on it.
 */
import { expect } from 'vitest';
import { startTestEnv, type DbKind, type TestEnv } from './harness.ts';
import { withConnection } from './raw-tables.ts';
import {
  buildFixtureMarts,
  loadDashboardExtras,
  loadSalesFixture,
  seedFixtureTeams,
} from './warehouse-fixtures.ts';

/** The built-in dashboards' app, the North manager's key and the run id of the fixture's build. */
export interface BuiltinDashboardsEnv {
  env: TestEnv;
  managerNorth: string;
  buildRunId: string;
}

/** Start the app on `kind` with the fixture built (closed again if the fixture fails to load). */
export async function startBuiltinDashboardsEnv(kind: DbKind): Promise<BuiltinDashboardsEnv> {
  const env = await startTestEnv(kind);
  try {
    const managerNorth = await seedFixtureTeams(env);
    await withConnection(env.warehouse, async (c) => {
      await loadSalesFixture(c);
      await loadDashboardExtras(c);
    });
    const buildRunId = (await buildFixtureMarts(env.warehouse)).runId;
    return { env, managerNorth, buildRunId };
  } catch (e) {
    await env.close();
    throw e;
  }
}

/** The calls of a built-in dashboard suite on `env()`, the suite's app (started in its beforeAll). */
export function builtinDashboardCalls(env: () => TestEnv) {
  /** Whether a panel reads the segmentation runs (ml.*), which the fixture has none of. */
  const readsRuns = (dashboard: string, panel: string) =>
    env()
      .ctx.dashboards!.get(dashboard)!
      .panels.find((p) => p.id === panel)!
      .relations.some((r) => r.startsWith('ml.'));
  /** A panel's data rows (it must answer 200). */
  const rows = async (dashboard: string, panel: string, q = '', key = 'analyst') => {
    const r = await env().request(
      'GET',
      `/api/v1/dashboards/${dashboard}/panels/${panel}/data${q}`,
      { key },
    );
    expect(r.status, `${dashboard}/${panel}${q}: ${r.text}`).toBe(200);
    return r.body.rows as Record<string, unknown>[];
  };
  return { readsRuns, rows };
}

/**
 * The limits that keep analyst SQL from starving everything else: a runaway cross join is
 * stopped at its time limit (408) while GET /health and a dashboard panel keep answering, and
 * with 20 heavy queries at once only SALESOPS_SQL_CONCURRENCY run, a few wait, the rest hear
 * 429 with Retry-After — never a 500, and the server answers throughout.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sqlGate } from '../api/sql/service.ts';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import { withConnection } from './support/raw-tables.ts';
import { buildFixtureMarts, loadSalesFixture } from './support/warehouse-fixtures.ts';

/** Ten billion rows of cross join: minutes of work, stopped long before. */
const RUNAWAY = 'SELECT sum(a.range * b.range) AS s FROM range(100000) a, range(100000) b';

const PANEL = '/api/v1/dashboards/executive/panels/revenue/data';

describeBoth('SQL limits', (kind) => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await startTestEnv(kind);
    await withConnection(env.warehouse, loadSalesFixture);
    await buildFixtureMarts(env.warehouse);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('stops a runaway at a limit that runs out while the guard is still asking DuckDB', async () => {
    // 1–20 ms end inside the guard's own queries, where one interrupt finds nothing running.
    for (const timeoutMs of [1, 5, 20]) {
      const r = await env.request('POST', '/api/v1/sql', {
        key: 'analyst',
        body: { sql: RUNAWAY, timeoutMs },
      });
      expect(r.status, `${timeoutMs} ms: ${r.text}`).toBe(408);
      expect(r.body.detail).toMatch(new RegExp(`time limit of ${timeoutMs} ms`));
    }
    expect(sqlGate(env.ctx).load).toEqual({ running: 0, waiting: 0 });
  });

  it('stops a runaway cross join at its time limit while health and a dashboard answer', async () => {
    let sqlAnswered = false;
    const runaway = env
      .request('POST', '/api/v1/sql', {
        key: 'analyst',
        body: { sql: RUNAWAY, timeoutMs: 5000 },
      })
      .finally(() => (sqlAnswered = true));
    // Both asked after the runaway started, both answered before it was stopped.
    const [health, panel] = await Promise.all([
      env.request('GET', '/health', { key: null }),
      env.request('GET', PANEL, { key: 'executive' }),
    ]);
    expect(sqlAnswered).toBe(false);
    expect(health.status).toBe(200);
    expect(panel.status).toBe(200);
    expect(panel.body.rows.length).toBeGreaterThan(0);

    const stopped = await runaway;
    expect(stopped.status).toBe(408);
    expect(stopped.headers.get('content-type')).toMatch(/problem\+json/);
    expect(stopped.body.detail).toMatch(/time limit of 5000 ms/);
    // The connection was interrupted, not left running: the next query gets a slot at once.
    expect(sqlGate(env.ctx).load).toEqual({ running: 0, waiting: 0 });
    const after = await env.request('POST', '/api/v1/sql', {
      key: 'analyst',
      body: { sql: 'SELECT 1 AS one' },
    });
    expect(after.status).toBe(200);
  });

  it('holds the concurrency cap with 20 heavy queries at once: 429 with Retry-After, no 500', async () => {
    const { sqlConcurrency, sqlQueue } = env.config;
    let allAnswered = false;
    const loads: { running: number; waiting: number }[] = [];
    const heavy = Array.from({ length: 20 }, () =>
      env
        .request('POST', '/api/v1/sql', {
          key: 'analyst',
          body: { sql: RUNAWAY, timeoutMs: 2000 },
        })
        .then((r) => {
          loads.push({ ...sqlGate(env.ctx).load });
          return r;
        }),
    );
    const settled = Promise.all(heavy).finally(() => (allAnswered = true));
    // The 429s come at once; the server keeps answering while the admitted ones run.
    const health = await env.request('GET', '/health', { key: null });
    expect(health.status).toBe(200);
    const panel = await env.request('GET', PANEL, { key: 'executive' });
    expect(panel.status).toBe(200);
    expect(allAnswered).toBe(false);

    const answers = await settled;
    const statuses = answers.map((r) => r.status);
    expect(
      statuses.every((s) => s === 408 || s === 429 || s === 200),
      String(statuses),
    ).toBe(true);
    const refused = answers.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused.length).toBeLessThanOrEqual(20 - sqlConcurrency);
    for (const r of refused) {
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(r.body.detail).toMatch(/queries are running/);
    }
    for (const load of loads) {
      expect(load.running).toBeLessThanOrEqual(sqlConcurrency);
      expect(load.waiting).toBeLessThanOrEqual(sqlQueue);
    }
    expect(sqlGate(env.ctx).load).toEqual({ running: 0, waiting: 0 });
  });

  it('refuses a concurrency cap that would fill libuv threadpool', async () => {
    const { loadConfig } = await import('../config.ts');
    expect(() => loadConfig({ SALESOPS_SQL_CONCURRENCY: '4' })).toThrow(
      /SALESOPS_SQL_CONCURRENCY: must be below UV_THREADPOOL_SIZE \(4\)/,
    );
    expect(
      loadConfig({ SALESOPS_SQL_CONCURRENCY: '6', UV_THREADPOOL_SIZE: '8' }).sqlConcurrency,
    ).toBe(6);
  });
});

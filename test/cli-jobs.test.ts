/**
 * The pipeline runs itself, as a user meets it: a real `salesops start` (embedded PGlite, a small
 * demo) answers /reports/sales with data right away; `salesops models build` and `salesops jobs
 * run ingest` work while it holds the data folder, handed to it with a key (and say which key
 * without one); a hand-off that arrives while the warehouse is busy waits its turn and then
 * succeeds; and an order posted through the API reaches the sales report after one change-driven
 * refresh cycle, with no command typed (SALESOPS_REFRESH_SECONDS=1).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli, whenServing, type Finished, type StartedServer } from './support/cli-process.ts';

const DEMO_ORDERS = 200;
const live = new Set<ChildProcess>();
let folder: string;
let server: StartedServer;
let key: string;

function cli(args: string[], env: Record<string, string> = {}): Promise<Finished> {
  return spawnCli(args, { env: { SALESOPS_DATA_DIR: folder, ...env }, live }).finished;
}

async function api(method: string, urlPath: string, body?: unknown): Promise<any> {
  const res = await fetch(`${server.url}/api/v1${urlPath}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  expect(res.ok, `${method} ${urlPath}: ${res.status} ${text}`).toBe(true);
  return text ? JSON.parse(text) : undefined;
}

/** The segment job run a CLI call ended with, as GET /jobs/runs/{id} answers it. */
async function segmentRun(r: Finished): Promise<any> {
  const id = /^job run #(\d+) \(segment\) succeeded/m.exec(r.stdout)?.[1];
  expect(id, r.stdout).toBeDefined();
  return api('GET', `/jobs/runs/${id}`);
}

/** Orders the sales report counts, over every year. */
async function reportedOrders(): Promise<number> {
  const r = await api('GET', '/reports/sales?groupBy=year');
  return r.rows.reduce((n: number, row: { orders: number }) => n + row.orders, 0);
}

beforeAll(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-jobs-'));
  server = await whenServing(
    spawnCli(['start', '--demo-orders', String(DEMO_ORDERS)], {
      // Depth 3, not the default 4: the segment runs show that the configuration reached the trees.
      env: {
        SALESOPS_DATA_DIR: folder,
        SALESOPS_REFRESH_SECONDS: '1',
        SALESOPS_SEGMENT_TREE_DEPTH: '3',
      },
      live,
    }),
  );
  key = server.adminKey!;
}, 240_000);

afterAll(async () => {
  await server?.stop();
  for (const child of live) child.kill('SIGKILL');
  fs.rmSync(folder, { recursive: true, force: true });
});

describe('salesops start refreshes the warehouse itself', () => {
  it('answers /reports/sales with data at once on the first start', async () => {
    expect(server.stdout).toMatch(/Bringing the warehouse up to date \(ingest → build → segment\)/);
    expect(server.stdout).toMatch(/Warehouse up to date in [\d.]+s, \d+ models built\./);
    expect(await reportedOrders()).toBeGreaterThan(0);
    const freshness = await api('GET', '/warehouse/freshness');
    expect(freshness).toMatchObject({ lastBuild: { status: 'succeeded' } });
  });
});

describe('commands hand their work to the server that holds the folder', () => {
  it('models build without a key says which key to pass', async () => {
    const r = await cli(['models', 'build']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /held by "salesops start".*hand the command to it with an admin or manager API key: salesops models build --key <key>/,
    );
  });

  it('models build runs in the server, printing each model and the summary, exit 0', async () => {
    const r = await cli(['models', 'build', '+mart_sales_lines', '--key', key]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toMatch(/model run #\d+ handed to the server at /);
    expect(r.stdout).toMatch(/^ok\s+stg_orders\s+view/m);
    expect(r.stdout).toMatch(/^ok\s+mart_sales_lines\s+full\s+[\d,]+ rows/m);
    expect(r.stdout).toMatch(
      /^Done: \d+ ok, 0 failed, 0 skipped, \d+ test warning\(s\) in [\d.]+s \(run /m,
    );
  });

  it('models build with a selector that matches nothing fails before anything is queued', async () => {
    const r = await cli(['models', 'build', 'mart_no_such_model'], { SALESOPS_API_KEY: key });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /answered 400: select\.0: selector "mart_no_such_model" matches no model/,
    );
  });

  it('segment runs in the server and prints the run in one line; without a key it says which', async () => {
    const refused = await cli(['segment']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/salesops segment --key <key>/);
    const r = await cli(['segment', '--key', key]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toMatch(/job run #\d+ \(segment\) handed to the server at /);
    expect(r.stdout).toMatch(
      /^segment run #\d+ as of \d{4}-\d\d-\d\d: \d+ customers scored; \d clusters .*price suggestions/m,
    );
    expect(r.stdout).toMatch(/^job run #\d+ \(segment\) succeeded in [\d.]+ s: \d+ rows$/m);
    expect((await segmentRun(r)).detail.churn.settings).toEqual({ maxDepth: 3, minNumSamples: 20 });
  });

  it("segment --max-depth and --min-samples grow this run's trees so; a value out of range is refused", async () => {
    const r = await cli(['segment', '--key', key, '--max-depth', '1', '--min-samples', '50']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const run = await segmentRun(r);
    expect(run.params).toEqual({ maxDepth: 1, minNumSamples: 50 });
    for (const tree of [run.detail.churn, run.detail.propensity]) {
      expect(tree.settings).toEqual({ maxDepth: 1, minNumSamples: 50 });
      expect(tree.leaves).toBeLessThanOrEqual(2); // one split at most
    }
    const bad = await cli(['segment', '--key', key, '--max-depth', '0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--max-depth.*must be a whole number from 1 to 12/);
  });

  it('jobs run ingest runs the ingest and the build it chains in the server, with their lines', async () => {
    const r = await cli(['jobs', 'run', 'ingest', '--key', key]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ingest run #\d+: \d+ tables$/m);
    expect(r.stdout).toMatch(/^run #\d+ committed in/m);
    expect(r.stdout).toMatch(/^job run #\d+ \(ingest\) succeeded in [\d.]+ s/m);
    expect(r.stdout).toMatch(/^job run #\d+ \(build\) (succeeded|skipped) in/m);
    const history = await cli(['jobs', 'history', 'ingest', '--limit', '1', '--key', key]);
    expect(history.stdout).toMatch(/^#\d+\s+ingest\s+manual\s+succeeded/m);
    const ls = await cli(['jobs', 'ls', '--key', key]);
    expect(ls.stdout).toMatch(/^ingest\s+\*\/15 \* \* \* \*\s/m);
  });

  it('a hand-off that arrives while the warehouse is busy waits for it, then succeeds', async () => {
    // Full ingests queued over HTTP keep the warehouse busy while the CLI starts and asks.
    const queued: { id: number }[] = [];
    for (let i = 0; i < 3; i++) queued.push(await api('POST', '/jobs/ingest/run', { full: true }));
    const r = await cli(['models', 'test', 'stg_orders', '--key', key]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Done: 1 ok, 0 failed/m);
    const id = Number(/model run #(\d+)/.exec(r.stderr)![1]);
    const run = await api('GET', `/jobs/runs/${id}`);
    const last = await api('GET', `/jobs/runs/${queued.at(-1)!.id}`);
    expect(last.status).toBe('succeeded');
    // Queued behind them: it started only when the last of them had ended.
    expect(Date.parse(run.startedAt)).toBeGreaterThanOrEqual(Date.parse(last.finishedAt));
    if (Date.parse(run.queuedAt) < Date.parse(last.startedAt)) {
      expect(r.stderr).toMatch(/queued behind the warehouse's running ingest or build; waiting/);
    }
  });
});

describe('an order reaches the report with no command typed', () => {
  it('shows in /reports/sales after one change-driven refresh cycle', async () => {
    const before = await reportedOrders();
    const stock = (await api('GET', '/stock?warehouseId=1&limit=1000')).items;
    const products = (await api('GET', '/products?limit=500')).items;
    const price = new Map<number, number>(products.map((p: any) => [p.id, Number(p.listPrice)]));
    const line = stock.find((s: any) => s.available >= 5 && (price.get(s.productId) ?? 0) >= 10);
    const customer = (await api('GET', '/customers?limit=1')).items[0];
    const order = await api('POST', '/orders', {
      customerId: customer.id,
      warehouseId: 1,
      lines: [{ productId: line.productId, quantity: 2 }],
    });
    await api('POST', `/orders/${order.id}/confirm`);
    let seen = before;
    while (seen === before) {
      await new Promise((r) => setTimeout(r, 250));
      seen = await reportedOrders();
    }
    expect(seen).toBe(before + 1);
    const runs = (await api('GET', '/jobs/ingest/runs?limit=5')).items;
    expect(runs.some((r: { trigger: string }) => r.trigger === 'change')).toBe(true);
  }, 120_000);
});

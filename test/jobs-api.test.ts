/**
 * The HTTP face of the job runtime (api/jobs, api/models/run-routes.ts, POST /ingest/runs)
 * through the real app with the runtime beside it, as `salesops start` runs it: listing jobs,
 * queuing runs and following them to the end, who may start what, the warehouse's freshness
 * before and after a write, requests refused before anything is queued, and a later build
 * queuing `segment` only when it rebuilt a customer mart.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';

type Run = { id: number; status: string; [k: string]: any };

describeBoth('jobs API', (kind) => {
  let env: TestEnv;

  beforeAll(async () => {
    // The scheduler is on (the freshness test needs the change signal), but the refresh interval
    // is long: after the first cycle, a write waits for the cycle this suite runs itself.
    env = await startTestEnv(kind, { jobs: true, env: { SALESOPS_REFRESH_SECONDS: '3600' } });
  });
  afterAll(async () => {
    await env?.close();
  });

  /** GET the run until it has ended (the runtime polls nothing: it finishes on its own). */
  async function follow(url: string, key = 'admin'): Promise<Run> {
    for (;;) {
      const r = await env.request('GET', url, { key });
      expect(r.status, r.text).toBe(200);
      if (r.body.status !== 'queued' && r.body.status !== 'running') return r.body;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async function buildRuns(): Promise<number> {
    const r = await env.request('GET', '/api/v1/jobs/build/runs?limit=200', { key: 'analyst' });
    return r.body.items.length;
  }

  it('lists every job with its schedule, time zone and last run; staff may not', async () => {
    const r = await env.request('GET', '/api/v1/jobs', { key: 'analyst' });
    expect(r.status, r.text).toBe(200);
    expect(r.body.nextCursor).toBeNull();
    expect(r.body.items.map((j: { name: string }) => j.name)).toEqual([
      'ingest',
      'build',
      'segment',
      'stock-alerts',
      'follow-ups',
      'report',
      'cleanup',
    ]);
    expect(r.body.items[0]).toMatchObject({
      resource: 'warehouse',
      schedule: '*/15 * * * *',
      timezone: env.config.jobsTimezone,
      description: expect.any(String),
    });
    expect(r.body.items.find((j: { name: string }) => j.name === 'build').schedule).toBeNull();
    // One schedule per report: none in force here, where no scheduler runs.
    expect(r.body.items.find((j: { name: string }) => j.name === 'report')).toMatchObject({
      resource: 'database',
      schedule: null,
      schedules: [],
    });
    expect((await env.request('GET', '/api/v1/jobs', { key: 'staff' })).status).toBe(403);
  });

  it('runs a job queued through POST and followed to succeeded, the chained build with it', async () => {
    const queued = await env.request('POST', '/api/v1/jobs/ingest/run', { key: 'manager' });
    expect(queued.status, queued.text).toBe(202);
    expect(queued.body).toMatchObject({ job: 'ingest', trigger: 'manual', status: 'queued' });
    const done = await follow(`/api/v1/jobs/runs/${queued.body.id}`, 'manager');
    expect(done).toMatchObject({ status: 'succeeded', error: null, attempts: 1 });
    expect(done.ingestRunId).toEqual(expect.any(Number));
    // The ingest run it made is in the warehouse's log.
    const log = await env.request('GET', `/api/v1/ingest/runs/${done.ingestRunId}`, {
      key: 'analyst',
    });
    expect(log.body).toMatchObject({ runId: done.ingestRunId, status: 'succeeded' });
    const history = await env.request('GET', '/api/v1/jobs/ingest/runs?limit=1', {
      key: 'analyst',
    });
    expect(history.body.items[0]).toMatchObject({ id: done.id, status: 'succeeded' });
    // The build it chained: the first one, so every model was due.
    const builds = await env.request('GET', '/api/v1/jobs/build/runs?limit=1', { key: 'analyst' });
    const build = await follow(`/api/v1/jobs/runs/${builds.body.items[0].id}`);
    expect(build).toMatchObject({ status: 'succeeded', trigger: 'manual' });
    expect(build.modelsBuilt).toBeGreaterThan(5);
  });

  it('pages a job’s runs newest first', async () => {
    for (let i = 0; i < 2; i++) {
      const q = await env.request('POST', '/api/v1/jobs/follow-ups/run', { key: 'admin' });
      await follow(`/api/v1/jobs/runs/${q.body.id}`);
    }
    const all = await env.request('GET', '/api/v1/jobs/follow-ups/runs', { key: 'manager' });
    const ids = all.body.items.map((r: Run) => r.id);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    const first = await env.request('GET', '/api/v1/jobs/follow-ups/runs?limit=1', {
      key: 'manager',
    });
    expect(first.body.items.map((r: Run) => r.id)).toEqual([ids[0]]);
    const next = await env.request(
      'GET',
      `/api/v1/jobs/follow-ups/runs?limit=1&cursor=${first.body.nextCursor}`,
      { key: 'manager' },
    );
    expect(next.body.items.map((r: Run) => r.id)).toEqual([ids[1]]);
  });

  it('lets managers run ingest and build but not cleanup; admins run any job', async () => {
    const refused = await env.request('POST', '/api/v1/jobs/cleanup/run', { key: 'manager' });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/role manager may not start the cleanup job/);
    expect((await env.request('POST', '/api/v1/jobs/ingest/run', { key: 'analyst' })).status).toBe(
      403,
    );
    const build = await env.request('POST', '/api/v1/jobs/build/run', {
      key: 'manager',
      body: { select: ['stg_orders'] },
    });
    expect(build.status, build.text).toBe(202);
    expect(await follow(`/api/v1/jobs/runs/${build.body.id}`)).toMatchObject({
      status: 'succeeded',
      modelsBuilt: 1,
    });
    const cleanup = await env.request('POST', '/api/v1/jobs/cleanup/run', { key: 'admin' });
    expect(cleanup.status, cleanup.text).toBe(202);
    // Nothing is old enough to delete in a new database: the run ends, with nothing to do.
    expect((await follow(`/api/v1/jobs/runs/${cleanup.body.id}`)).status).toBe('skipped');
  });

  it('answers 404 naming an unknown job or run', async () => {
    for (const [method, url, what] of [
      ['GET', '/api/v1/jobs/no-such-job/runs', /no job named "no-such-job"/],
      ['POST', '/api/v1/jobs/no-such-job/run', /no job named "no-such-job"/],
      ['GET', '/api/v1/jobs/runs/999999', /job run 999999 was not found/],
      ['GET', '/api/v1/models/runs/999999', /model run 999999 was not found/],
    ] as const) {
      const r = await env.request(method, url, { key: 'admin' });
      expect(r.status, `${method} ${url}`).toBe(404);
      expect(r.body.detail).toMatch(what);
    }
    // A run of another job is no model run.
    const ingest = await env.request('GET', '/api/v1/jobs/ingest/runs?limit=1', { key: 'admin' });
    const r = await env.request('GET', `/api/v1/models/runs/${ingest.body.items[0].id}`);
    expect(r.status).toBe(404);
  });

  it('refuses a bad body with 400 naming the field, and queues nothing', async () => {
    const before = await buildRuns();
    for (const [job, body, field] of [
      ['ingest', { tables: ['no_such_table'] }, 'tables.0'],
      ['ingest', { tables: ['orders', 'idempotency_keys'] }, 'tables.1'],
      ['ingest', { fulll: true }, 'fulll'],
      ['ingest', { full: 'yes' }, 'full'],
      ['build', { select: ['no_such_model'] }, 'select.0'],
      ['build', { select: ['stg_orders', 'tag:nothing_has_this_tag'] }, 'select.1'],
      ['cleanup', { days: 3 }, 'days'],
      ['segment', { maxDepth: 0 }, 'maxDepth'],
      ['segment', { maxDepth: 13 }, 'maxDepth'],
      ['segment', { minNumSamples: 2.5 }, 'minNumSamples'],
      ['segment', { minNumSamples: '20' }, 'minNumSamples'],
      ['segment', { depth: 3 }, 'depth'],
    ] as const) {
      const r = await env.request('POST', `/api/v1/jobs/${job}/run`, { key: 'admin', body });
      expect(r.status, `${job} ${JSON.stringify(body)}: ${r.text}`).toBe(400);
      expect(r.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
    }
    const depth = await env.request('POST', '/api/v1/jobs/segment/run', {
      key: 'admin',
      body: { maxDepth: 13 },
    });
    expect(depth.body.errors[0].message).toBe('must be a whole number from 1 to 12');
    expect(await buildRuns()).toBe(before);
  });

  it('POST /models/runs: a bad selector is a 400 naming select.0 and queues nothing; a good one builds', async () => {
    const before = await buildRuns();
    const bad = await env.request('POST', '/api/v1/models/runs', {
      key: 'manager',
      body: { command: 'build', select: ['mart_no_such_thing'] },
    });
    expect(bad.status, bad.text).toBe(400);
    expect(bad.body.errors).toEqual([
      { field: 'select.0', in: 'body', message: expect.stringMatching(/matches no model/) },
    ]);
    const noCommand = await env.request('POST', '/api/v1/models/runs', {
      key: 'manager',
      body: {},
    });
    expect(noCommand.status).toBe(400);
    expect(noCommand.body.errors[0].field).toBe('command');
    expect(await buildRuns()).toBe(before);
    expect(
      (
        await env.request('POST', '/api/v1/models/runs', {
          key: 'analyst',
          body: { command: 'build' },
        })
      ).status,
    ).toBe(403);

    const queued = await env.request('POST', '/api/v1/models/runs', {
      key: 'manager',
      body: { command: 'build', select: ['+mart_sales_lines'] },
    });
    expect(queued.status, queued.text).toBe(202);
    expect(queued.body).toMatchObject({
      status: 'queued',
      command: 'build',
      select: ['+mart_sales_lines'],
      models: [],
    });
    const run = await follow(`/api/v1/models/runs/${queued.body.id}`, 'analyst');
    expect(run).toMatchObject({ status: 'succeeded', error: null, modelRunId: expect.any(String) });
    const names = run.models.map((m: { name: string }) => m.name);
    expect(names.at(-1)).toBe('mart_sales_lines');
    expect(names).toContain('stg_orders');
    expect(run.models[0]).toMatchObject({
      status: 'success',
      durationMs: expect.any(Number),
      tests: { passed: expect.any(Number), failed: 0, warned: expect.any(Number) },
      error: null,
    });
    // The same run as a job run.
    const asJob = await env.request('GET', `/api/v1/jobs/runs/${run.id}`, { key: 'manager' });
    expect(asJob.body).toMatchObject({ job: 'build', modelRunId: run.modelRunId });
  });

  it('a model run asked for during a refresh cycle waits for it, then runs', async () => {
    const jobs = env.ctx.jobs!;
    const cycle = jobs.refresh('change');
    const queued = await env.request('POST', '/api/v1/models/runs', {
      key: 'manager',
      body: { command: 'test', select: ['stg_orders'] },
    });
    expect(queued.status, queued.text).toBe(202);
    const { ingest, build } = await cycle;
    const run = await follow(`/api/v1/models/runs/${queued.body.id}`);
    expect(run).toMatchObject({ status: 'succeeded', command: 'test' });
    // One warehouse, one run at a time: it never overlapped the cycle's ingest or build.
    const span = (r: { startedAt: string | null; finishedAt: string | null }) =>
      [Date.parse(r.startedAt!), Date.parse(r.finishedAt!)] as const;
    const [from, to] = span(run as never);
    for (const other of [ingest, build]) {
      if (!other) continue;
      const [a, b] = span(other);
      expect(b <= from || a >= to, `${other.job} overlapped the model run`).toBe(true);
    }
  });

  it('POST /ingest/runs queues an ingest job run (202), validated up front', async () => {
    const bad = await env.request('POST', '/api/v1/ingest/runs', {
      key: 'manager',
      body: { tables: ['nope'] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ field: 'tables.0', in: 'body' });
    const queued = await env.request('POST', '/api/v1/ingest/runs', {
      key: 'manager',
      body: { tables: ['products'] },
    });
    expect(queued.status, queued.text).toBe(202);
    expect(queued.body).toMatchObject({ job: 'ingest', params: { tables: ['products'] } });
    expect(['queued', 'running']).toContain(queued.body.status);
    const done = await follow(`/api/v1/jobs/runs/${queued.body.id}`, 'manager');
    expect(done.status).toBe('succeeded');
    const log = await env.request('GET', `/api/v1/ingest/runs/${done.ingestRunId}`, {
      key: 'manager',
    });
    expect(log.body.requestedTables).toEqual(['products']);
  });

  it('freshness: stale after a write to business data, fresh after a cycle; bookkeeping writes do not count', async () => {
    const jobs = env.ctx.jobs!;
    await jobs.refresh('change'); // whatever earlier tests wrote
    const fresh = await env.request('GET', '/api/v1/warehouse/freshness', { key: 'staff' });
    expect(fresh.status, fresh.text).toBe(200);
    expect(fresh.body).toMatchObject({
      stale: false,
      lagSeconds: 0,
      lastIngest: { at: expect.any(String), status: 'succeeded' },
      lastBuild: { at: expect.any(String), status: 'succeeded' },
    });
    // Keys and runs are bookkeeping: no refresh is due.
    const key = await env.request('POST', '/api/v1/api-keys', {
      body: { name: 'bookkeeping', role: 'staff' },
    });
    expect(key.status).toBe(201);
    expect((await env.request('GET', '/api/v1/warehouse/freshness')).body.stale).toBe(false);

    const category = await env.request('POST', '/api/v1/categories', {
      key: 'manager',
      body: { name: 'Freshness test' },
    });
    expect(category.status, category.text).toBe(201);
    const stale = await env.request('GET', '/api/v1/warehouse/freshness', { key: 'executive' });
    expect(stale.body).toMatchObject({ stale: true, lagSeconds: expect.any(Number) });
    const health = await env.request('GET', '/health', { key: null });
    expect(health.body.warehouse.freshness).toMatchObject({ stale: true });

    const cycle = await jobs.refresh('change');
    expect(cycle.ingest?.status).toBe('succeeded');
    const after = await env.request('GET', '/api/v1/warehouse/freshness', { key: 'staff' });
    expect(after.body).toMatchObject({ stale: false, lagSeconds: 0 });
    expect(new Date(after.body.lastIngest.at).getTime()).toBeGreaterThan(
      new Date(fresh.body.lastIngest.at).getTime(),
    );
  });
  it('a later build queues a segment run when it rebuilt a customer mart, and none when it did not', async () => {
    const jobs = env.ctx.jobs!;
    await jobs.refresh('change'); // whatever earlier tests wrote
    const segmentRuns = async (): Promise<number> =>
      (await env.request('GET', '/api/v1/jobs/segment/runs?limit=200', { key: 'analyst' })).body
        .items.length;
    const rebuilt = (run: Run) =>
      (run.detail.models as { model: string; status: string }[])
        .filter((m) => m.status === 'success')
        .map((m) => m.model);
    const before = await segmentRuns();

    // A new warehouse, ingested alone: the build the ingest queues rebuilds what reads it — not
    // mart_customer_value nor mart_customer_rfm — and queues nothing after it. (A whole ingest
    // would not do here: it re-reads the rows of the last 30 s, the safety lag, and counts them
    // as changed, so the customer marts of the cycle above would be due again.)
    const w = await env.request('POST', '/api/v1/warehouses', {
      key: 'manager',
      body: { code: `SEG-${kind}`, name: 'No customer mart reads this' },
    });
    expect(w.status, w.text).toBe(201);
    const ingest = await env.request('POST', '/api/v1/jobs/ingest/run', {
      key: 'manager',
      body: { tables: ['warehouses'] },
    });
    expect(ingest.status, ingest.text).toBe(202);
    const ingested = await follow(`/api/v1/jobs/runs/${ingest.body.id}`);
    expect(ingested.detail.changedTables).toEqual(['warehouses']);
    const quiet = await follow(`/api/v1/jobs/runs/${ingested.chainedRunId}`);
    expect(quiet).toMatchObject({ job: 'build', status: 'succeeded' });
    expect(rebuilt(quiet)).toContain('stg_warehouses');
    expect(rebuilt(quiet)).not.toContain('mart_customer_value');
    expect(rebuilt(quiet)).not.toContain('mart_customer_rfm');
    expect(quiet.chainedRunId).toBeUndefined();
    expect(await segmentRuns()).toBe(before);

    // A new customer, then a change-driven cycle: its build rebuilds the customer marts and
    // queues `segment`.
    const c = await env.request('POST', '/api/v1/customers', {
      key: 'manager',
      body: { code: `SEG-${kind}`, name: 'Segment me' },
    });
    expect(c.status, c.text).toBe(201);
    const cycle = await jobs.refresh('change');
    const busy = await follow(`/api/v1/jobs/runs/${cycle.build!.id}`);
    expect(busy).toMatchObject({ job: 'build', trigger: 'change', status: 'succeeded' });
    expect(rebuilt(busy)).toEqual(
      expect.arrayContaining(['mart_customer_value', 'mart_customer_rfm']),
    );
    expect(busy.chainedRunId).toEqual(expect.any(Number));
    const segment = await follow(`/api/v1/jobs/runs/${busy.chainedRunId}`);
    expect(segment).toMatchObject({ job: 'segment', trigger: 'change' });
    // No customer of this suite has an order: the run ends at once, saying so.
    expect(segment).toMatchObject({
      status: 'skipped',
      detail: { reason: 'no customer has a revenue order yet' },
    });
    expect(cycle.segment?.id).toBe(segment.id);
    expect(await segmentRuns()).toBe(before + 1);

    // Asked for by hand, a build of one customer mart queues it too; one of a staging model not.
    for (const [select, chains] of [
      [['mart_customer_rfm'], true],
      [['stg_orders'], false],
    ] as const) {
      const q = await env.request('POST', '/api/v1/jobs/build/run', {
        key: 'manager',
        body: { select },
      });
      expect(q.status, q.text).toBe(202);
      const build = await follow(`/api/v1/jobs/runs/${q.body.id}`);
      expect(build.status).toBe('succeeded');
      if (!chains) {
        expect(build.chainedRunId, select[0]).toBeUndefined();
        continue;
      }
      expect(await follow(`/api/v1/jobs/runs/${build.chainedRunId}`)).toMatchObject({
        job: 'segment',
        trigger: 'manual',
        status: 'skipped',
      });
    }
    expect(await segmentRuns()).toBe(before + 2);
  });
});

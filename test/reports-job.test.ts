/**
 * The `report` job on the hand-made data set (test/support/warehouse-fixtures.ts), on both
 * databases: a manual run of the shipped executive summary stores one PNG (every panel drawn,
 * a plausible size) and records exactly one report.ready event with its links, in one
 * transaction, which the webhook dispatcher posts to a receiver subscribed to report.ready;
 * the image route serves it to the roles of the dashboards' images; a run with no
 * marts fails and stores nothing; each report is its own schedule and slot; the cleanup job
 * forgets old images.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { drawReportNow } from '../jobs/report.job.ts';
import { Scheduler } from '../jobs/scheduler.ts';
import { resolveSchedules } from '../jobs/schedule.ts';
import { JOBS } from '../jobs/index.ts';
import type { JobRunRecord } from '../jobs/types.ts';
import { EXECUTIVE_WEEKLY_PANELS } from './support/built-in-reports.ts';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import { startReceiver, type Receiver } from './support/webhook-receiver.ts';
import { withConnection } from './support/raw-tables.ts';
import {
  buildFixtureMarts,
  loadSalesFixture,
  seedFixtureTeams,
} from './support/warehouse-fixtures.ts';

const PUBLIC = 'https://sales.example.com';
/** Monday 16 February 2026, 08:00 in Berlin: last week is 9–15 February. */
const MONDAY = new Date('2026-02-16T07:00:00Z');
const WEEK = { from: '2026-02-09', to: '2026-02-15' };

/** Width and height from a PNG's IHDR chunk (bytes 16–23, big-endian). */
function pngSize(png: Uint8Array): { width: number; height: number } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(Buffer.from(png.subarray(12, 16)).toString('latin1')).toBe('IHDR');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

describeBoth('scheduled reports', (kind) => {
  let env: TestEnv;
  let managerNorth: string;
  let built = false;
  /** A webhook subscribed to report.ready posts here. */
  let receiver: Receiver;

  beforeAll(async () => {
    env = await startTestEnv(kind, {
      jobs: true,
      env: {
        SALESOPS_SCHEDULER: 'off',
        SALESOPS_PUBLIC_URL: PUBLIC,
        // The receiver below listens on 127.0.0.1.
        SALESOPS_WEBHOOK_ALLOW_PRIVATE: 'true',
      },
      clock: () => MONDAY,
    });
    managerNorth = await seedFixtureTeams(env);
    await withConnection(env.warehouse, (c) => loadSalesFixture(c));
    receiver = await startReceiver();
    const hook = await env.request('POST', '/api/v1/webhooks', {
      body: { url: receiver.url, eventTypes: ['report.ready'] },
    });
    expect(hook.status, hook.text).toBe(201);
  });
  afterAll(async () => {
    await env?.close();
    await receiver?.close();
  });

  /** The marts, built once by the first test that needs them. */
  const marts = async () => {
    if (!built) await buildFixtureMarts(env.warehouse);
    built = true;
  };

  /** POST /jobs/report/run as `key`, and the run once it ended. */
  const runReport = async (report: string, key = 'admin'): Promise<JobRunRecord> => {
    const r = await env.request('POST', '/api/v1/jobs/report/run', { key, body: { report } });
    expect(r.status, r.text).toBe(202);
    return (await env.ctx.jobs!.wait(r.body.id))!;
  };

  const events = () =>
    env.ops.db
      .selectFrom('events')
      .select(['type', 'entity_type', 'entity_id', 'payload'])
      .where('type', '=', 'report.ready')
      .execute();

  const image = (id: number | string, key = env.keys.executive) =>
    fetch(`${env.baseUrl}/api/v1/reports/snapshots/${id}.png`, {
      headers: { authorization: `Bearer ${key}` },
    });

  it('before the marts are built, a run fails naming the mart and stores and announces nothing', async () => {
    const run = await runReport('executive-weekly');
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/no panel of executive-weekly could be read: .*mart_sales_lines/);
    const stored = await env.ops.db.selectFrom('report_snapshots').select('id').execute();
    expect(stored).toEqual([]);
    expect(await events()).toEqual([]);
  });

  it('a manual run stores one PNG of every panel and records exactly one report.ready event with its links', async () => {
    await marts();
    const run = await runReport('executive-weekly');
    expect(run.status, run.error ?? '').toBe('succeeded');
    expect(run.params).toEqual({ report: 'executive-weekly' });
    expect(run.trigger).toBe('manual');

    const snaps = await env.ops.db.selectFrom('report_snapshots').selectAll().execute();
    expect(snaps).toHaveLength(1);
    const snap = snaps[0]!;
    const size = pngSize(snap.png);
    expect(size).toEqual({ width: snap.width, height: snap.height });
    // 1240 SVG units at twice the size; the heading, the tiles, the charts and the tables.
    expect(size.width).toBe(2480);
    expect(size.height).toBeGreaterThan(1200);
    expect(size.height).toBeLessThan(4000);
    expect(snap.png.length).toBeGreaterThan(50_000);
    expect(snap).toMatchObject({
      report: 'executive-weekly',
      dashboard: 'executive',
      title: 'Executive summary — last week',
      filters: WEEK,
      job_run_id: run.id,
    });
    expect(snap.data_as_of).toBeInstanceOf(Date);
    // Every panel of the report drawn; none stood in for by a message.
    expect(run.detail!.panels).toEqual(
      EXECUTIVE_WEEKLY_PANELS.map((id) => ({ id, state: 'drawn' })),
    );

    const ready = await events();
    expect(ready).toHaveLength(1);
    expect(ready[0]).toMatchObject({ entity_type: 'report', entity_id: 'executive-weekly' });
    const payload = ready[0]!.payload as Record<string, unknown>;
    expect(payload).toEqual({
      report: 'executive-weekly',
      title: 'Executive summary — last week',
      dashboard: 'executive',
      filters: WEEK,
      snapshotId: snap.id,
      imageUrl: `${PUBLIC}/api/v1/reports/snapshots/${snap.id}.png`,
      dashboardUrl: `${PUBLIC}/dashboards/executive?from=2026-02-09&to=2026-02-15`,
      generatedAt: snap.created_at.toISOString(),
      dataAsOf: snap.data_as_of!.toISOString(),
      width: 2480,
      height: snap.height,
      bytes: snap.png.length,
    });
    // The outbox reaches the warehouse: links, never the image.
    expect(JSON.stringify(payload).length).toBeLessThan(1_000);

    // The dispatcher posts it to the webhook subscribed to report.ready; the job called nobody.
    await receiver.waitForAcks(1, 30_000);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.event).toMatchObject({
      type: 'report.ready',
      entityType: 'report',
      entityId: 'executive-weekly',
      payload,
    });

    // Its run history, as every job's.
    const runs = await env.request('GET', '/api/v1/jobs/report/runs', { key: 'analyst' });
    expect(runs.status).toBe(200);
    expect(runs.body.items.map((r: JobRunRecord) => [r.id, r.status])).toEqual([
      [run.id, 'succeeded'],
      [run.id - 1, 'failed'],
    ]);
  });

  it('composes every panel into one SVG under a heading that says what, when and how fresh', async () => {
    await marts();
    const report = env.ctx.reports!.get('executive-weekly')!;
    const { drawn, filters } = await drawReportNow(env.ctx, report, MONDAY);
    expect(filters).toEqual(WEEK);
    const texts = [...drawn.svg.matchAll(/>([^<>]+)</g)].map((m) => m[1]!);
    for (const panel of report.panels)
      expect(texts, panel.title).toContain(panel.title.replace(/&/g, '&amp;'));
    expect(texts).toContain('Executive summary — last week');
    expect(texts).toContain('Executive overview · Last week: 9 – 15 Feb 2026');
    expect(texts.some((t) => t.startsWith('Data as of '))).toBe(true);
    // The week's one revenue order: 1002, 37.50 + 99.995 (docs/metrics.md rounds at the end).
    expect(texts).toContain('€137.50');
    expect(texts).toContain(
      `Live dashboard: ${PUBLIC}/dashboards/executive?from=2026-02-09&amp;to=2026-02-15`,
    );
    expect(drawn.width).toBe(2480);
  });

  it('serves the image to the roles of the dashboards’ images; 404 for a missing one', async () => {
    await marts();
    const snap = await env.ops.db
      .selectFrom('report_snapshots')
      .select(['id', 'png'])
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    for (const key of [env.keys.executive, env.keys.analyst, env.keys.admin]) {
      const res = await image(snap.id, key);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(snap.png))).toBe(true);
    }
    const missing = await image(snap.id + 1000);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/problem\+json/);
    expect((await missing.json()).detail).toBe(`report snapshot ${snap.id + 1000} was not found`);
    expect((await image(snap.id, env.keys.staff)).status).toBe(403);
    expect((await image('abc')).status).toBe(400);
  });

  it("shows a manager only their own team's images, and none of a dashboard closed to managers", async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const insert = (dashboard: string, filters: Record<string, unknown>) =>
      env.ops.db
        .insertInto('report_snapshots')
        .values({
          report: 'r',
          title: 'R',
          dashboard,
          filters: JSON.stringify(filters),
          png,
          width: 1,
          height: 1,
          data_as_of: null,
          job_run_id: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
    const north = await insert('executive', { team: 1 });
    const south = await insert('executive', { team: 2 });
    const company = await insert('executive', {});
    const stock = await insert('inventory', {});
    expect((await image(north.id, managerNorth)).status).toBe(200);
    expect((await image(south.id, managerNorth)).status).toBe(404);
    expect((await image(company.id, managerNorth)).status).toBe(404);
    expect((await image(stock.id, managerNorth)).status).toBe(403);
    expect((await image(stock.id, env.keys.analyst)).status).toBe(200);
    await env.ops.db
      .deleteFrom('report_snapshots')
      .where('id', 'in', [north.id, south.id, company.id, stock.id])
      .execute();
  });

  it('refuses a report name the file does not have, naming the field; managers may not send reports', async () => {
    const bad = await env.request('POST', '/api/v1/jobs/report/run', {
      body: { report: 'nope' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      {
        field: 'report',
        in: 'body',
        message:
          'no report named nope in dashboards/reports.yaml (the reports are executive-weekly)',
      },
    ]);
    const none = await env.request('POST', '/api/v1/jobs/report/run', { body: {} });
    expect(none.status).toBe(400);
    expect(none.body.errors.map((e: { field: string }) => e.field)).toEqual(['report']);
    const extra = await env.request('POST', '/api/v1/jobs/report/run', {
      body: { report: 'executive-weekly', team: 1 },
    });
    expect(extra.status).toBe(400);
    expect(extra.body.errors[0]).toMatchObject({
      field: 'team',
      message: 'not a parameter of the report job',
    });
    const manager = await env.request('POST', '/api/v1/jobs/report/run', {
      key: 'manager',
      body: { report: 'executive-weekly' },
    });
    expect(manager.status).toBe(403);
    const queued = await env.ops.db
      .selectFrom('job_runs')
      .select('id')
      .where('job', '=', 'report')
      .execute();
    expect(queued).toHaveLength(2); // the two runs above, no more
  });

  it('keeps the images out of the warehouse: an ingest refuses to copy them, saying why', async () => {
    const r = await env.request('POST', '/api/v1/jobs/ingest/run', {
      body: { tables: ['report_snapshots'] },
    });
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([
      {
        field: 'tables.0',
        in: 'body',
        message:
          'report_snapshots is never copied (report images are drawings of the marts, served by /api/v1/reports/snapshots/{id}.png)',
      },
    ]);
  });

  it('schedules each report on its own cron, as its own slot, with its name as the params', async () => {
    await marts();
    const schedules = resolveSchedules(JOBS, env.config, env.ctx).filter((s) => s.job === 'report');
    expect(schedules).toEqual([
      {
        job: 'report',
        cron: '0 8 * * 1',
        source: 'dashboards/reports.yaml',
        entry: 'executive-weekly',
        params: { report: 'executive-weekly' },
      },
    ]);
    const runtime = env.ctx.jobs!;
    runtime.useScheduler(
      new Scheduler({ schedules, timezone: 'UTC', fire: (j, at, s) => runtime.fire(j, at, s) }),
      schedules,
    );
    const listed = (await env.request('GET', '/api/v1/jobs', { key: 'analyst' })).body.items.find(
      (j: { name: string }) => j.name === 'report',
    );
    expect(listed).toMatchObject({ name: 'report', schedule: null, resource: 'database' });
    expect(listed.schedules).toEqual([
      {
        name: 'executive-weekly',
        schedule: '0 8 * * 1',
        timezone: 'UTC',
        nextRunAt: expect.stringMatching(/T08:00:00\.000Z$/),
      },
    ]);
    expect(new Date(listed.schedules[0].nextRunAt).getUTCDay()).toBe(1);
    expect(listed.nextRunAt).toBe(listed.schedules[0].nextRunAt);

    // The slot a scheduler fires, twice (two instances): one run, keyed by the report.
    const slot = new Date('2026-02-16T08:00:00Z');
    runtime.fire('report', slot, schedules[0]);
    runtime.fire('report', slot, schedules[0]);
    const started = Date.now();
    let rows: { status: string; params: unknown; slot: string | null; trigger: string }[] = [];
    while (Date.now() - started < 60_000) {
      rows = await env.ops.db
        .selectFrom('job_runs')
        .select(['status', 'params', 'slot', 'trigger'])
        .where('slot', 'is not', null)
        .where('job', '=', 'report')
        .execute();
      if (rows.length && rows.every((r) => !['queued', 'running'].includes(r.status))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(rows).toEqual([
      {
        status: 'succeeded',
        params: { report: 'executive-weekly' },
        slot: `report:executive-weekly@${slot.toISOString()}`,
        trigger: 'schedule',
      },
    ]);
  });

  it('cleanup deletes the images older than SALESOPS_REPORT_RETENTION_DAYS (30), not the newer', async () => {
    expect(env.config.reportRetentionDays).toBe(30);
    const before = await env.ops.db.selectFrom('report_snapshots').select('id').execute();
    expect(before.length).toBeGreaterThan(0);
    const old = await env.ops.db
      .insertInto('report_snapshots')
      .values({
        report: 'executive-weekly',
        title: 'Old',
        dashboard: 'executive',
        filters: '{}',
        png: Buffer.from([1]),
        width: 1,
        height: 1,
        data_as_of: null,
        job_run_id: null,
        created_at: sql<Date>`clock_timestamp() - interval '31 days'`,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const r = await env.request('POST', '/api/v1/jobs/cleanup/run');
    expect(r.status).toBe(202);
    const done = (await env.ctx.jobs!.wait(r.body.id))!;
    expect(done.status).toBe('succeeded');
    expect(done.detail).toMatchObject({ reportSnapshots: 1, reportRetentionDays: 30 });
    const after = await env.ops.db.selectFrom('report_snapshots').select('id').execute();
    expect(after.map((x) => x.id).sort()).toEqual(before.map((x) => x.id).sort());
    expect(after.map((x) => x.id)).not.toContain(old.id);
  });
});

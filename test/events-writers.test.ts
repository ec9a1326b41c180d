/**
 * The events no route records (docs/events.md, "What writes events"): job.failed with each
 * failed run, activity.overdue from the follow-ups job once per due time, stock.low from the
 * stock-alerts job, segment.changed with the segment run's write-back (none on the first run),
 * one import.completed per committed import and one demo.loaded per demo load. Their actor is
 * null. On both databases.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadDemo } from '../db/demo/index.ts';
import { importDirectory } from '../ingest/import/import.ts';
import { followUpsJob } from '../jobs/follow-ups.job.ts';
import { JobRuntime } from '../jobs/runtime.ts';
import { stockAlertsJob } from '../jobs/stock-alerts.job.ts';
import type { JobDefinition } from '../jobs/types.ts';
import { finishRun, openRun } from '../segment/store-crm.ts';
import type { CustomerScoreRow } from '../segment/store-warehouse.ts';
import { ok, uniq } from './support/event-walk.ts';
import { eventsAfter, lastEventId } from './support/seen-events.ts';
import {
  describeBoth,
  openTestDb,
  startTestEnv,
  tempDir,
  type TestEnv,
} from './support/harness.ts';

describeBoth('events recorded outside the routes', (kind) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv(kind);
  });
  afterAll(() => env?.close());

  const runtimeWith = (defs: JobDefinition[], instance: string) =>
    new JobRuntime(env.ctx, defs, { instance, backoffMs: [5, 5] });

  /** Run `job` once through a runtime; the run and the events recorded meanwhile. */
  async function runJob(rt: JobRuntime, job: string) {
    const after = await lastEventId(env);
    const run = await rt.wait((await rt.request(job, 'manual'))!.id);
    return { run: run!, events: await eventsAfter(env, after) };
  }

  it("job.failed: one per failed run, with the run's record", async () => {
    const broken: JobDefinition = {
      name: 'broken',
      description: 'fails',
      defaultSchedule: null,
      resource: 'warehouse',
      managersMayRun: false,
      run: async () => {
        throw new Error('model file models/x.sql: syntax error');
      },
    };
    const rt = runtimeWith([broken], `events-fail-${kind}`);
    try {
      for (let i = 0; i < 2; i++) {
        const { run, events } = await runJob(rt, 'broken');
        expect(run.status).toBe('failed');
        expect(events.map((e) => [e.type, e.entityType, e.entityId, e.actorKeyId])).toEqual([
          ['job.failed', 'job_run', String(run.id), null],
        ]);
        // The run as its record says (GET /jobs/runs/{id} answers the same record).
        expect(events[0]!.payload).toMatchObject({
          id: run.id,
          job: 'broken',
          status: 'failed',
          attempts: 1,
          error: run.error,
          finishedAt: run.finishedAt,
        });
        expect(run.error).toContain('syntax error');
      }
    } finally {
      await rt.stop();
    }
  });

  it('activity.overdue: the follow-ups job announces each open activity once per due time', async () => {
    const customer = (await ok(env, 'POST', '/customers', { code: uniq('C'), name: 'Late' })).id;
    const activity = async (dueAt: Date, doneAt?: Date) =>
      (
        await ok(env, 'POST', '/activities', {
          type: 'task',
          subject: 'Call back',
          customerId: customer,
          dueAt: dueAt.toISOString(),
          ...(doneAt ? { doneAt: doneAt.toISOString() } : {}),
        })
      ).id as number;
    const ago = (ms: number) => new Date(Date.now() - ms);
    const late = await activity(ago(3_600_000));
    await activity(ago(3_600_000), ago(60_000)); // done: not overdue
    await activity(ago(2 * 86_400_000)); // before the first run's look-back
    await activity(new Date(Date.now() + 3_600_000)); // not due yet
    const rt = runtimeWith([followUpsJob], `events-overdue-${kind}`);
    try {
      const first = await runJob(rt, 'follow-ups');
      expect(first.events.map((e) => [e.type, e.entityId, e.customerId, e.actorKeyId])).toEqual([
        ['activity.overdue', String(late), customer, null],
      ]);
      const shown = await ok(env, 'GET', `/activities/${late}`);
      expect(first.events[0]!.payload).toEqual(shown);
      expect(first.run.detail).toMatchObject({ overdueAnnounced: 1 });

      expect((await runJob(rt, 'follow-ups')).events).toEqual([]); // once per due time
      // Moved to a new due time that passes too, it is announced again.
      await ok(env, 'PATCH', `/activities/${late}`, { dueAt: new Date().toISOString() });
      const third = await runJob(rt, 'follow-ups');
      expect(third.events.map((e) => [e.type, e.entityId])).toEqual([
        ['activity.overdue', String(late)],
      ]);
    } finally {
      await rt.stop();
    }
  });

  it('stock.low: the stock-alerts job raises it for stock already at its point, once per open alert', async () => {
    const warehouseId = (await ok(env, 'POST', '/warehouses', { code: uniq('W'), name: 'W' })).id;
    const productId = (
      await ok(env, 'POST', '/products', { sku: uniq('SKU'), name: 'P', listPrice: '1.00' })
    ).id;
    await ok(env, 'POST', '/stock/movements', {
      type: 'receipt',
      productId,
      warehouseId,
      quantity: 3,
    });
    await ok(env, 'POST', '/reorder-rules', {
      productId,
      warehouseId,
      reorderPoint: 5,
      reorderQuantity: 9,
    });
    const rt = runtimeWith([stockAlertsJob], `events-stock-${kind}`);
    try {
      const { events } = await runJob(rt, 'stock-alerts');
      expect(events.map((e) => [e.type, e.entityType, e.entityId, e.actorKeyId])).toEqual([
        ['stock.low', 'stock_level', `${productId}:${warehouseId}`, null],
      ]);
      const alerts = await ok(env, 'GET', `/alerts?productId=${productId}`);
      const alert = alerts.items[0];
      expect(events[0]!.payload).toEqual({ ...alert.payload, alertId: alert.id, orderId: null });
      expect((await runJob(rt, 'stock-alerts')).events).toEqual([]);
    } finally {
      await rt.stop();
    }
  });

  it('segment.changed: one per customer whose segment moved since the previous run; none on the first', async () => {
    const [a, b, c] = [
      (await ok(env, 'POST', '/customers', { code: uniq('A'), name: 'A' })).id as number,
      (await ok(env, 'POST', '/customers', { code: uniq('B'), name: 'B' })).id as number,
      (await ok(env, 'POST', '/customers', { code: uniq('C'), name: 'C' })).id as number,
    ];
    const score = (customerId: number, segment: string): CustomerScoreRow => ({
      customerId,
      segment,
      recencyScore: 4,
      frequencyScore: 3,
      monetaryScore: 5,
      cluster: 2,
      clusterLabel: 'steady',
      churnRisk: '0.1250',
    });
    const write = async (scores: CustomerScoreRow[]) => {
      const after = await lastEventId(env);
      const runId = await openRun(env.ops.db);
      await finishRun(env.ops.db, runId, { asOf: '2026-01-01', summary: {}, scores });
      return { runId, events: await eventsAfter(env, after) };
    };
    const first = await write([score(a, 'champions'), score(b, 'loyal')]);
    expect(first.events).toEqual([]);
    const second = await write([score(a, 'champions'), score(b, 'at_risk'), score(c, 'new')]);
    expect(second.events.map((e) => [e.type, e.entityType, e.entityId, e.customerId])).toEqual([
      ['segment.changed', 'customer', String(b), b],
      ['segment.changed', 'customer', String(c), c],
    ]);
    expect(second.events[0]!.payload).toEqual({
      customerId: b,
      segment: 'at_risk',
      previousSegment: 'loyal',
      rfm: { recency: 4, frequency: 3, monetary: 5, cell: '435' },
      cluster: { id: 2, label: 'steady' },
      churnRisk: 0.125,
      runId: second.runId,
      previousRunId: first.runId,
    });
    expect(second.events[1]!.payload).toMatchObject({ segment: 'new', previousSegment: null });
    // The payload's scores are the customer's as the API shows them after the run.
    const shown = await ok(env, 'GET', `/customers/${b}`);
    expect(shown).toMatchObject({
      segment: 'at_risk',
      rfm: second.events[0]!.payload.rfm,
      cluster: second.events[0]!.payload.cluster,
      churnRisk: 0.125,
    });
  });

  it('import.completed: one per committed import, with the counts; none when bad rows stop it', async () => {
    const dir = (files: Record<string, string>) => {
      const d = tempDir('salesops-events-import-');
      for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(d, name), text);
      return d;
    };
    const team = uniq('Team');
    let after = await lastEventId(env);
    const r = await importDirectory(env.ops, dir({ 'teams.csv': `name\n${team}\n` }));
    expect(r.committed).toBe(true);
    const events = await eventsAfter(env, after);
    expect(events.map((e) => [e.type, e.entityType, e.actorKeyId])).toEqual([
      ['import.completed', 'import', null],
    ]);
    expect(events[0]!.payload).toEqual({
      files: [{ file: 'teams.csv', rows: 1, inserted: 1, updated: 0, bad: 0 }],
      badRowsSkipped: 0,
    });
    after = await lastEventId(env);
    const bad = await importDirectory(
      env.ops,
      dir({ 'reps.csv': 'code,name,email,team\nR9,,,\n' }),
    );
    expect(bad.committed).toBe(false);
    expect(await eventsAfter(env, after)).toEqual([]);
  });

  it('demo.loaded: one event for the whole load, with its summary', async () => {
    const dataDir = tempDir();
    const fresh = await openTestDb(kind, dataDir);
    try {
      const summary = await loadDemo(fresh.ops, {
        orders: 20,
        seed: 5,
        endDate: new Date('2026-03-01T00:00:00Z'),
      });
      const rows = await fresh.ops.db.selectFrom('events').selectAll().execute();
      expect(rows.map((e) => [e.type, e.entity_type, e.entity_id, e.actor_key_id])).toEqual([
        ['demo.loaded', 'demo', '5', null],
      ]);
      const { rows: _perTable, ...counts } = summary;
      expect(rows[0]!.payload).toEqual(counts);
    } finally {
      await fresh.dispose();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

/**
 * The job runtime on real databases: runs never overlap, a second request queues, a transient
 * failure is retried, a permanent one is recorded and alerted once, runs a killed process left
 * are marked interrupted, shutdown aborts within its grace, and a database job runs once per
 * schedule slot across two processes on one PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { sql } from 'kysely';
import { inject } from 'vitest';
import { JobRuntime } from '../jobs/runtime.ts';
import type { JobDefinition, JobOutcome } from '../jobs/types.ts';
import { openPostgres } from '../db/postgres.ts';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';

function job(
  name: string,
  run: JobDefinition['run'],
  resource: JobDefinition['resource'] = 'warehouse',
): JobDefinition {
  return { name, description: name, defaultSchedule: null, resource, managersMayRun: false, run };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeBoth('job runtime', (kind) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv(kind);
  });
  afterAll(() => env.close());

  const runtimeWith = (defs: JobDefinition[], instance: string) =>
    new JobRuntime(env.ctx, defs, { instance, backoffMs: [5, 5] });

  it('runs warehouse jobs one at a time; a second request queues and then runs', async () => {
    const spans: [string, number, number][] = [];
    const slow = (name: string) =>
      job(name, async () => {
        const t0 = Date.now();
        await pause(80);
        spans.push([name, t0, Date.now()]);
        return {};
      });
    const rt = runtimeWith([slow('a'), slow('b')], `overlap-${kind}`);
    const a = await rt.request('a', 'manual');
    const b = await rt.request('b', 'manual');
    expect(b!.status).toBe('queued');
    const [ra, rb] = await Promise.all([rt.wait(a!.id), rt.wait(b!.id)]);
    expect([ra!.status, rb!.status]).toEqual(['succeeded', 'succeeded']);
    const [first, second] = spans;
    expect(first![0]).toBe('a');
    expect(second![1]).toBeGreaterThanOrEqual(first![2]);
    await rt.stop();
  });

  it('retries a transient failure and records the attempts', async () => {
    let calls = 0;
    const flaky = job('flaky', async (): Promise<JobOutcome> => {
      calls++;
      if (calls === 1) throw Object.assign(new Error('terminating connection'), { code: '57P01' });
      return { rows: 7 };
    });
    const rt = runtimeWith([flaky], `retry-${kind}`);
    const done = await rt.wait((await rt.request('flaky', 'manual'))!.id);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2, rows: 7, error: null });
    await rt.stop();
  });

  it('records a permanent failure and raises one job.failed alert while it stays open', async () => {
    let calls = 0;
    const broken = job('broken', async () => {
      calls++;
      throw new Error('model file models/x.sql: syntax error');
    });
    const rt = runtimeWith([broken], `fail-${kind}`);
    const one = await rt.wait((await rt.request('broken', 'manual'))!.id);
    const two = await rt.wait((await rt.request('broken', 'manual'))!.id);
    expect(calls).toBe(2); // not retried: nothing transient about it
    expect(one).toMatchObject({ status: 'failed', attempts: 1 });
    expect(one!.error).toContain('syntax error');
    expect(two!.status).toBe('failed');
    const alerts = await env.ops.db
      .selectFrom('alerts')
      .selectAll()
      .where('kind', '=', 'job.failed')
      .where(sql<boolean>`payload->>'job' = 'broken'`)
      .execute();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.message).toContain('syntax error');
    // Acknowledged, the next failure raises a new one.
    await env.ops.db
      .updateTable('alerts')
      .set({ acknowledged_at: new Date() })
      .where('id', '=', alerts[0]!.id)
      .execute();
    await rt.wait((await rt.request('broken', 'manual'))!.id);
    const after = await env.ops.db
      .selectFrom('alerts')
      .select('id')
      .where('kind', '=', 'job.failed')
      .where(sql<boolean>`payload->>'job' = 'broken'`)
      .execute();
    expect(after).toHaveLength(2);
    await rt.stop();
  });

  it('marks the runs a killed process left queued or running as interrupted', async () => {
    const instance = `killed-${kind}`;
    const left = await env.ops.db
      .insertInto('job_runs')
      .values([
        { job: 'ingest', instance, trigger: 'change', status: 'running', params: '{}' },
        { job: 'build', instance, trigger: 'change', status: 'queued', params: '{}' },
        {
          job: 'ingest',
          instance: 'elsewhere',
          trigger: 'change',
          status: 'running',
          params: '{}',
        },
      ])
      .returning(['id', 'instance'])
      .execute();
    const rt = runtimeWith([], instance);
    expect(await rt.open()).toBe(2);
    const rows = await env.ops.db
      .selectFrom('job_runs')
      .select(['id', 'status', 'error'])
      .where(
        'id',
        'in',
        left.map((r) => r.id),
      )
      .orderBy('id')
      .execute();
    expect(rows.map((r) => r.status)).toEqual(['interrupted', 'interrupted', 'running']);
    expect(rows[0]!.error).toMatch(/safe to run again/);
    await rt.stop();
  });

  it('stop() aborts a running job through its signal and records it interrupted', async () => {
    let sawAbort = false;
    const endless = job('endless', (ctx) => {
      return new Promise((_, reject) => {
        ctx.signal.addEventListener('abort', () => {
          sawAbort = true;
          reject(ctx.signal.reason);
        });
      });
    });
    const rt = runtimeWith([endless], `stop-${kind}`);
    const run = await rt.request('endless', 'manual');
    await pause(50);
    await rt.stop();
    expect(sawAbort).toBe(true);
    const done = await rt.wait(run!.id);
    expect(done!.status).toBe('interrupted');
    await expect(rt.request('endless', 'manual')).rejects.toThrow(/stopping/);
  });

  it('a scheduled database job takes its slot once; a repeat of the slot does nothing', async () => {
    let runs = 0;
    const db = job(
      'tidy',
      async () => {
        runs++;
        return {};
      },
      'database',
    );
    const rt = runtimeWith([db], `slot-${kind}`);
    const slot = new Date('2026-12-02T10:15:00Z');
    rt.fire('tidy', slot);
    rt.fire('tidy', slot);
    await pause(300);
    const rows = await env.ops.db
      .selectFrom('job_runs')
      .select(['status', 'slot'])
      .where('job', '=', 'tidy')
      .execute();
    expect(rows).toEqual([{ status: 'succeeded', slot: `tidy@${slot.toISOString()}` }]);
    expect(runs).toBe(1);
    await rt.stop();
  });
});

describe.runIf(inject('pgAvailable'))('job runtime across two processes on one PostgreSQL', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv('postgres');
  });
  afterAll(() => env.close());

  it('a database job runs once per slot and never at once in two instances', async () => {
    // A second process: its own pool (its own sessions) on the same database.
    const other = await openPostgres(env.databaseUrl!);
    let active = 0;
    let most = 0;
    let runs = 0;
    const work = job(
      'report-mail',
      async () => {
        runs++;
        most = Math.max(most, ++active);
        await pause(500);
        active--;
        return {};
      },
      'database',
    );
    const a = new JobRuntime(env.ctx, [work], { instance: 'host-a' });
    const b = new JobRuntime({ ...env.ctx, ops: other }, [work], { instance: 'host-b' });
    const slot = new Date('2026-12-02T11:00:00Z');
    a.fire('report-mail', slot);
    b.fire('report-mail', slot);
    await pause(900);
    expect(runs).toBe(1);

    // Asked by hand in both at once: the advisory lock lets one run, the other is skipped.
    const [ra, rb] = await Promise.all([
      a.request('report-mail', 'manual'),
      b.request('report-mail', 'manual'),
    ]);
    const ends = await Promise.all([a.wait(ra!.id), b.wait(rb!.id)]);
    expect(ends.map((r) => r!.status).sort()).toEqual(['skipped', 'succeeded']);
    expect(most).toBe(1);
    await a.stop();
    await b.stop();
    await other.close();
  });
});

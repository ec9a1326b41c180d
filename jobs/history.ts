/**
 * job_runs: the run history every instance writes to the operational database, so the API and
 * `salesops jobs history` show runs from any process, and a run left `running` by a killed
 * process can be found and marked `interrupted` at the next start.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { DB, JobRunsTable } from '../db/schema.ts';
import { recordEvents } from '../api/events/outbox.ts';
import { jobFailedEvent } from './alerts.ts';
import type { JobOutcome, JobRunRecord, JobRunStatus, JobTrigger } from './types.ts';

type Row = Selectable<JobRunsTable>;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toRecord(r: Row): JobRunRecord {
  return {
    id: r.id,
    job: r.job,
    instance: r.instance,
    trigger: r.trigger,
    status: r.status,
    params: (r.params ?? {}) as Record<string, unknown>,
    queuedAt: r.queued_at.toISOString(),
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    attempts: r.attempts,
    rows: r.rows,
    modelsBuilt: r.models_built,
    ingestRunId: r.ingest_run_id,
    modelRunId: r.model_run_id,
    error: r.error,
    detail: (r.detail ?? null) as Record<string, unknown> | null,
  };
}

export interface NewRun {
  job: string;
  instance: string;
  trigger: JobTrigger;
  params: Record<string, unknown>;
  /** Scheduled database jobs: `job@slot time`, unique across instances. */
  slot?: string;
  requestedByKeyId?: number | null;
}

/** Record a queued run; undefined when another instance already took its slot. */
export async function insertRun(db: Kysely<DB>, run: NewRun): Promise<JobRunRecord | undefined> {
  const row = await db
    .insertInto('job_runs')
    .values({
      job: run.job,
      instance: run.instance,
      trigger: run.trigger,
      status: 'queued',
      params: JSON.stringify(run.params),
      slot: run.slot ?? null,
      requested_by_key_id: run.requestedByKeyId ?? null,
    })
    .onConflict((oc) => oc.column('slot').doNothing())
    .returningAll()
    .executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

export async function markRunning(db: Kysely<DB>, id: number, attempts: number): Promise<void> {
  await db
    .updateTable('job_runs')
    .set({
      status: 'running',
      attempts,
      started_at: sql<Date>`coalesce(started_at, clock_timestamp())`,
    })
    .where('id', '=', id)
    .execute();
}

/** End a run: how it went, what it did, or why it failed. */
export async function finishRun(
  db: Kysely<DB>,
  id: number,
  status: Exclude<JobRunStatus, 'queued' | 'running'>,
  end: { outcome?: JobOutcome; error?: string },
): Promise<JobRunRecord> {
  const o = end.outcome ?? {};
  const row = await db
    .updateTable('job_runs')
    .set({
      status,
      finished_at: sql<Date>`clock_timestamp()`,
      rows: o.rows ?? null,
      models_built: o.modelsBuilt ?? null,
      ingest_run_id: o.ingestRunId ?? null,
      model_run_id: o.modelRunId ?? null,
      detail: o.detail ? JSON.stringify(o.detail) : null,
      error: end.error ?? null,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toRecord(row);
}

/** End a run as failed, with its job.failed outbox event in the same transaction. */
export function finishFailedRun(
  db: Kysely<DB>,
  id: number,
  end: { outcome?: JobOutcome; error?: string },
): Promise<JobRunRecord> {
  return db.transaction().execute(async (trx) => {
    const run = await finishRun(trx, id, 'failed', end);
    await recordEvents(trx, [jobFailedEvent(run)]);
    return run;
  });
}

/**
 * Runs this instance left queued or running: its process died (kill -9, a crash, power). Their
 * work is safe to repeat (ingest and build commit atomically), so they are only marked.
 */
export async function interruptOpenRuns(db: Kysely<DB>, instance: string): Promise<number> {
  const rows = await db
    .updateTable('job_runs')
    .set({
      status: 'interrupted',
      finished_at: sql<Date>`clock_timestamp()`,
      error: 'the server stopped before the run ended; it is safe to run again',
    })
    .where('instance', '=', instance)
    .where('status', 'in', ['queued', 'running'])
    .returning('id')
    .execute();
  return rows.length;
}

export async function findRun(db: Kysely<DB>, id: number): Promise<JobRunRecord | undefined> {
  const row = await db.selectFrom('job_runs').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

/** Newest first, below `beforeId` when given. */
export async function listRuns(
  db: Kysely<DB>,
  page: { job?: string; limit: number; beforeId?: number },
): Promise<JobRunRecord[]> {
  let q = db.selectFrom('job_runs').selectAll().orderBy('id', 'desc').limit(page.limit);
  if (page.job) q = q.where('job', '=', page.job);
  if (page.beforeId !== undefined) q = q.where('id', '<', page.beforeId);
  return (await q.execute()).map(toRecord);
}

/** The newest run of each job (any instance). */
export async function lastRuns(db: Kysely<DB>): Promise<Map<string, JobRunRecord>> {
  const rows = await db
    .selectFrom('job_runs')
    .selectAll()
    .where(
      'id',
      'in',
      db
        .selectFrom('job_runs')
        .select((eb) => eb.fn.max('id').as('id'))
        .groupBy('job'),
    )
    .execute();
  return new Map(rows.map((r) => [r.job, toRecord(r)]));
}

/** The newest finished run of `job` in `instance` with one of `statuses`. */
export async function lastFinished(
  db: Kysely<DB>,
  job: string,
  instance: string,
): Promise<JobRunRecord | undefined> {
  const row = await db
    .selectFrom('job_runs')
    .selectAll()
    .where('job', '=', job)
    .where('instance', '=', instance)
    .where('status', 'in', ['succeeded', 'failed', 'skipped', 'interrupted'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

/** Delete finished runs older than `days`; the count deleted. */
export async function deleteRunsOlderThan(db: Kysely<DB>, days: number): Promise<number> {
  const rows = await db
    .deleteFrom('job_runs')
    .where('status', 'not in', ['queued', 'running'])
    .where('queued_at', '<', sql<Date>`clock_timestamp() - make_interval(days => ${days})`)
    .returning('id')
    .execute();
  return rows.length;
}

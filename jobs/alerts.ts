/**
 * A job's final failure becomes an alert, next to the stock alerts the inventory area lists, so
 * someone sees it without reading logs. One open alert per job: a job failing every 30 s must
 * not bury the list; acknowledging it lets the next failure raise a new one.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { BusinessEvent } from '../api/events/outbox.ts';
import type { JobRunRecord } from './types.ts';

export const JOB_FAILED = 'job.failed';

/**
 * The outbox event of a failed run: the run as GET /jobs/runs/{id} shows it. One per failed run,
 * unlike the alert (one open per job): a feed or webhook hears every failure.
 */
export function jobFailedEvent(run: JobRunRecord): BusinessEvent {
  return {
    type: JOB_FAILED,
    entity: { type: 'job_run', id: run.id },
    payload: { ...run },
    principal: null,
  };
}

/** Raise `job.failed` for `run` unless one is open for its job; the alert id, or undefined. */
export async function raiseJobFailedAlert(
  db: Kysely<DB>,
  run: JobRunRecord,
): Promise<number | undefined> {
  const message = `job ${run.job} failed (run ${run.id}): ${run.error ?? 'unknown error'}`.slice(
    0,
    2000,
  );
  const payload = JSON.stringify({
    job: run.job,
    runId: run.id,
    instance: run.instance,
    error: run.error,
  });
  const { rows } = await sql<{ id: number }>`
    INSERT INTO alerts (kind, message, payload)
    SELECT ${JOB_FAILED}, ${message}, ${payload}::jsonb
    WHERE NOT EXISTS (
      SELECT 1 FROM alerts
      WHERE kind = ${JOB_FAILED} AND acknowledged_at IS NULL AND payload->>'job' = ${run.job})
    RETURNING id`.execute(db);
  const row = rows[0];
  return row?.id;
}

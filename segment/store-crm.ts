/**
 * The write-back into the CRM (PostgreSQL or PGlite): a `segment_runs` row per run and the run's
 * scores per customer in `customer_scores` (db/migrations/0700_customer_scores.ts). The scores
 * and the run's `succeeded` commit in one transaction, so the API never shows half a run: it reads
 * the newest succeeded run.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { KEEP_RUNS, type CustomerScoreRow } from './store-warehouse.ts';

/** Rows per INSERT: 9 parameters each, far below PostgreSQL's 65,535 per statement. */
const CHUNK = 2000;

/** Open a run (status running); its id names the run everywhere (warehouse, API, cause keys). */
export async function openRun(db: Kysely<DB>): Promise<number> {
  const row = await db
    .insertInto('segment_runs')
    .values({ status: 'running' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** What a finished run records. */
export interface FinishedRun {
  asOf: string;
  summary: unknown;
  scores: readonly CustomerScoreRow[];
}

/**
 * Store the scores and mark the run succeeded, in one transaction; then forget the runs beyond
 * the last KEEP_RUNS (their scores go with them). Customers the warehouse knows but PostgreSQL
 * no longer has are left out rather than failing the run on the foreign key.
 */
export async function finishRun(db: Kysely<DB>, runId: number, run: FinishedRun): Promise<number> {
  return db.transaction().execute(async (tx) => {
    let stored = 0;
    for (let i = 0; i < run.scores.length; i += CHUNK) {
      const rows = run.scores.slice(i, i + CHUNK);
      const ids = rows.map((r) => r.customerId);
      const known = new Set(
        (await tx.selectFrom('customers').select('id').where('id', 'in', ids).execute()).map(
          (r) => r.id,
        ),
      );
      const values = rows
        .filter((r) => known.has(r.customerId))
        .map((r) => ({
          run_id: runId,
          customer_id: r.customerId,
          segment: r.segment,
          recency_score: r.recencyScore,
          frequency_score: r.frequencyScore,
          monetary_score: r.monetaryScore,
          cluster: r.cluster,
          cluster_label: r.clusterLabel,
          churn_risk: r.churnRisk,
        }));
      if (values.length) await tx.insertInto('customer_scores').values(values).execute();
      stored += values.length;
    }
    await tx
      .updateTable('segment_runs')
      .set({
        status: 'succeeded',
        finished_at: sql<Date>`clock_timestamp()`,
        as_of: run.asOf,
        customers: stored,
        summary: JSON.stringify(run.summary),
      })
      .where('id', '=', runId)
      .execute();
    await tx
      .deleteFrom('segment_runs')
      .where('status', '!=', 'running')
      .where(
        'id',
        'not in',
        tx
          .selectFrom('segment_runs')
          .select('id')
          .where('status', '=', 'succeeded')
          .orderBy('id', 'desc')
          .limit(KEEP_RUNS),
      )
      .where('id', '<', runId)
      .execute();
    return stored;
  });
}

/** Mark a run failed with what went wrong (a line a person can read). */
export async function failRun(db: Kysely<DB>, runId: number, error: string): Promise<void> {
  await db
    .updateTable('segment_runs')
    .set({ status: 'failed', finished_at: sql<Date>`clock_timestamp()`, error })
    .where('id', '=', runId)
    .execute();
}

/**
 * Runs a process left `running` when it died: failed, so none looks in progress forever. Only
 * those over an hour old (a run at 100,000 customers takes seconds): another instance on the same
 * database may be running one right now.
 */
export async function closeAbandonedRuns(db: Kysely<DB>): Promise<number> {
  const r = await db
    .updateTable('segment_runs')
    .set({
      status: 'failed',
      finished_at: sql<Date>`clock_timestamp()`,
      error: 'interrupted: the process running it stopped',
    })
    .where('status', '=', 'running')
    .where('started_at', '<', sql<Date>`clock_timestamp() - interval '1 hour'`)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

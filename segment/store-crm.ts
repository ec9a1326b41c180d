/**
 * The write-back into the CRM (PostgreSQL or PGlite): a `segment_runs` row per run and the run's
 * scores per customer in `customer_scores` (db/migrations/0700_customer_scores.ts). The scores,
 * the run's `succeeded` and its `segment.changed` events commit in one transaction, so the API
 * never shows half a run: it reads the newest succeeded run.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
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
    // Before older runs go: the previous succeeded one is what the customers moved from.
    await recordSegmentChanges(tx, runId);
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

/**
 * `segment.changed` (docs/events.md) for each customer whose RFM segment differs from the one
 * the previous succeeded run gave it (a customer that run did not score moved from null); none
 * on the first run, which has nothing to compare with. One statement, in customer order: a run
 * can move tens of thousands of customers. The payload is the customer's new scores as GET
 * /customers/{id} shows them (api/customers/scores.ts toScoreDto), with what it moved from.
 */
async function recordSegmentChanges(tx: Transaction<DB>, runId: number): Promise<void> {
  await sql`
    INSERT INTO events (type, entity_type, entity_id, customer_id, payload)
    SELECT 'segment.changed', 'customer', cur.customer_id::text, cur.customer_id,
      jsonb_build_object(
        'customerId', cur.customer_id,
        'segment', cur.segment,
        'previousSegment', prev.segment,
        'rfm', CASE WHEN cur.recency_score IS NOT NULL AND cur.frequency_score IS NOT NULL
                         AND cur.monetary_score IS NOT NULL
                    THEN jsonb_build_object('recency', cur.recency_score,
                           'frequency', cur.frequency_score, 'monetary', cur.monetary_score,
                           'cell', concat(cur.recency_score, cur.frequency_score,
                                          cur.monetary_score)) END,
        'cluster', CASE WHEN cur.cluster IS NOT NULL
                        THEN jsonb_build_object('id', cur.cluster,
                               'label', coalesce(cur.cluster_label, '')) END,
        'churnRisk', cur.churn_risk,
        'runId', cur.run_id,
        'previousRunId', p.id)
    FROM customer_scores cur
    CROSS JOIN (SELECT id FROM segment_runs
                WHERE status = 'succeeded' AND id < ${runId} ORDER BY id DESC LIMIT 1) p
    LEFT JOIN customer_scores prev ON prev.run_id = p.id AND prev.customer_id = cur.customer_id
    WHERE cur.run_id = ${runId} AND prev.segment IS DISTINCT FROM cur.segment
    ORDER BY cur.customer_id`.execute(tx);
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

/**
 * Segment runs written straight into the CRM tables (segment_runs, customer_scores), as
 * segment/store-crm.ts leaves them after a run: for the API and follow-up tests, which need
 * scores of their choosing rather than the ones a demo warehouse happens to give.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { SegmentRunStatus } from '../../db/schema-segment.ts';

/** One customer's scores; the RFM scores default to 3, the cluster to 0 "steady". */
export interface ScoreFixture {
  customerId: number;
  segment?: string | null;
  r?: number | null;
  f?: number | null;
  m?: number | null;
  cluster?: number | null;
  label?: string | null;
  churnRisk?: string | null;
}

/** Insert a run (succeeded unless told) with these scores; returns its id. */
export async function insertScoreRun(
  db: Kysely<DB>,
  scores: readonly ScoreFixture[],
  opts: { status?: SegmentRunStatus; asOf?: string; churnBeatsBaseline?: boolean } = {},
): Promise<number> {
  const status = opts.status ?? 'succeeded';
  const run = await db
    .insertInto('segment_runs')
    .values({
      status,
      as_of: opts.asOf ?? '2026-06-30',
      finished_at: status === 'running' ? null : new Date(),
      customers: scores.length,
      // What segment/run.ts records of its churn tree; a tree that did not beat its baseline
      // makes no churn follow-ups.
      summary: JSON.stringify({ churn: { beatsBaseline: opts.churnBeatsBaseline ?? true } }),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (scores.length) {
    await db
      .insertInto('customer_scores')
      .values(
        scores.map((s) => ({
          run_id: run.id,
          customer_id: s.customerId,
          segment: s.segment === undefined ? 'need_attention' : s.segment,
          recency_score: s.r === undefined ? 3 : s.r,
          frequency_score: s.f === undefined ? 3 : s.f,
          monetary_score: s.m === undefined ? 3 : s.m,
          cluster: s.cluster === undefined ? 0 : s.cluster,
          cluster_label: s.label === undefined ? 'steady' : s.label,
          churn_risk: s.churnRisk === undefined ? '0.1000' : s.churnRisk,
        })),
      )
      .execute();
  }
  return run.id;
}

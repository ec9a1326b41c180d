/**
 * What the newest segmentation run says about a customer (issue #16, segment/): RFM segment and
 * scores, k-means cluster and churn risk, from `customer_scores` of the newest succeeded
 * `segment_runs` row, with that run. The customer picture and every customer list item carry
 * these fields; the list filters on them.
 *
 * Always the newest succeeded run, never a mix: a customer the newest run did not score (no
 * revenue order yet, or created since) shows nulls under that run rather than an older run's
 * figures, so every customer shown side by side is judged by the same run.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../errors.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** The run scores come from. */
export interface ScoreRun {
  id: number;
  /** 'YYYY-MM-DD': the day the scores describe (the day after the latest revenue order). */
  asOf: string | null;
  finishedAt: string | null;
}

/** A customer's score columns as the list and picture queries select them (null: no score). */
export interface ScoreColumns {
  score_segment: string | null;
  score_recency: number | null;
  score_frequency: number | null;
  score_monetary: number | null;
  score_cluster: number | null;
  score_cluster_label: string | null;
  /** numeric(5,4) as text. */
  score_churn_risk: string | null;
}

export const scoreRunDto = z
  .object({
    id: z.number().describe('segment run id (GET /jobs/segment/runs shows the job that made it)'),
    asOf: z.string().nullable().describe('the day the scores describe, YYYY-MM-DD'),
    finishedAt: z.string().nullable(),
  })
  .describe('the segment run the scores come from');

/** The score fields of a customer, in the picture and in list items. */
export const scoreFields = {
  segment: z
    .string()
    .nullable()
    .describe('RFM segment code (docs/segmentation.md); null: not scored by the newest run'),
  rfm: z
    .object({
      recency: z.number().int().min(1).max(5),
      frequency: z.number().int().min(1).max(5),
      monetary: z.number().int().min(1).max(5),
      cell: z.string().describe('the three scores, recency first ("543")'),
    })
    .nullable()
    .describe('RFM scores, 1–5, 5 best'),
  cluster: z
    .object({ id: z.number().int(), label: z.string() })
    .nullable()
    .describe('k-means cluster and its label'),
  churnRisk: z
    .number()
    .min(0)
    .max(1)
    .nullable()
    .describe('probability of no order in the next 90 days (churn tree), 4 places'),
  scoreRun: scoreRunDto.nullable().describe('null: no segment run has succeeded yet'),
};

/** The score part of a DTO. */
export interface ScoreDto {
  segment: string | null;
  rfm: { recency: number; frequency: number; monetary: number; cell: string } | null;
  cluster: { id: number; label: string } | null;
  churnRisk: number | null;
  scoreRun: ScoreRun | null;
}

/** Score columns (null when the run did not score the customer) → the DTO's score fields. */
export function toScoreDto(r: ScoreColumns | undefined, run: ScoreRun | null): ScoreDto {
  const [recency, frequency, monetary] = [r?.score_recency, r?.score_frequency, r?.score_monetary];
  return {
    segment: r?.score_segment ?? null,
    rfm:
      recency != null && frequency != null && monetary != null
        ? { recency, frequency, monetary, cell: `${recency}${frequency}${monetary}` }
        : null,
    cluster:
      r?.score_cluster != null ? { id: r.score_cluster, label: r.score_cluster_label ?? '' } : null,
    // numeric(5,4) text → a number of at most 4 places (the nearest double, as JSON shows it).
    churnRisk: r?.score_churn_risk != null ? Number(r.score_churn_risk) : null,
    scoreRun: run,
  };
}

function toScoreRun(r: { id: number; as_of: string | null; finished_at: Date | null }): ScoreRun {
  return { id: r.id, asOf: r.as_of, finishedAt: r.finished_at?.toISOString() ?? null };
}

/** The newest succeeded segment run (the partial index segment_runs_succeeded), or null. */
export async function newestScoreRun(db: Db): Promise<ScoreRun | null> {
  const r = await db
    .selectFrom('segment_runs')
    .select(['id', 'as_of', 'finished_at'])
    .where('status', '=', 'succeeded')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r ? toScoreRun(r) : null;
}

/**
 * One customer's scores of the newest run, with the run: one query (the newest run by its
 * partial index, the score by the primary key (customer_id, run_id)).
 */
export async function scoresOfCustomer(db: Db, customerId: number): Promise<ScoreDto> {
  const r = await sql<
    ScoreColumns & { run_id: number; as_of: string | null; finished_at: Date | null }
  >`
    SELECT r.id AS run_id, r.as_of, r.finished_at,
           s.segment AS score_segment, s.recency_score AS score_recency,
           s.frequency_score AS score_frequency, s.monetary_score AS score_monetary,
           s.cluster AS score_cluster, s.cluster_label AS score_cluster_label,
           s.churn_risk AS score_churn_risk
    FROM (SELECT id, as_of, finished_at FROM segment_runs
          WHERE status = 'succeeded' ORDER BY id DESC LIMIT 1) AS r
    LEFT JOIN customer_scores AS s ON s.run_id = r.id AND s.customer_id = ${customerId}`.execute(
    db,
  );
  const row = r.rows[0];
  if (!row) return toScoreDto(undefined, null);
  return toScoreDto(
    row,
    toScoreRun({ id: row.run_id, as_of: row.as_of, finished_at: row.finished_at }),
  );
}

/** 503 for a filter on scores before any segment run has succeeded: nothing to filter on yet. */
export function noScoresYet(fields: readonly string[]): AppError {
  return new AppError(
    'unavailable',
    `no segment run has succeeded yet, so ${fields.join(' and ')} cannot filter: the segment job computes the scores (\`salesops segment\`, or POST /api/v1/jobs/segment/run)`,
    { hint: 'salesops segment' },
  );
}

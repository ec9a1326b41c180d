/**
 * Table types of the segmentation write-back (db/migrations/0700_customer_scores.ts). Beside
 * db/schema.ts, which lists them in `DB`.
 */
import type { ColumnType, Generated } from 'kysely';
import type { NullableStamp, Stamp } from './schema.ts';

export type SegmentRunStatus = 'running' | 'succeeded' | 'failed';

/** One run of the `segment` job. */
export interface SegmentRunsTable {
  id: Generated<number>;
  status: ColumnType<SegmentRunStatus, SegmentRunStatus | undefined, SegmentRunStatus>;
  started_at: Stamp;
  finished_at: NullableStamp;
  /** 'YYYY-MM-DD': the day the scores describe. */
  as_of: string | null;
  customers: number | null;
  summary: ColumnType<unknown, string | null | undefined, string | null>;
  error: string | null;
}

/** What one run found for one customer. */
export interface CustomerScoresTable {
  run_id: number;
  customer_id: number;
  segment: string | null;
  recency_score: number | null;
  frequency_score: number | null;
  monetary_score: number | null;
  cluster: number | null;
  cluster_label: string | null;
  /** numeric(5,4) as a decimal string, 0…1. */
  churn_risk: ColumnType<string | null, string | number | null, string | number | null>;
}

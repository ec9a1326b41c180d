/**
 * Every job, in the order `salesops jobs ls` lists them. A job is a file in this folder that
 * declares its name, default schedule, the resource it needs, and what it runs (jobs/types.ts).
 */
import { buildJob } from './build.job.ts';
import { cleanupJob } from './cleanup.job.ts';
import { followUpsJob } from './follow-ups.job.ts';
import { ingestJob } from './ingest.job.ts';
import { reportJob } from './report.job.ts';
import { segmentJob } from './segment.job.ts';
import { stockAlertsJob } from './stock-alerts.job.ts';
import type { JobDefinition } from './types.ts';

export const JOBS: readonly JobDefinition[] = [
  ingestJob,
  buildJob,
  segmentJob,
  stockAlertsJob,
  followUpsJob,
  reportJob,
  cleanupJob,
];

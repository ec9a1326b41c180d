/** Request/response shapes for the ingest run log and starting a run. */
import { z } from 'zod';
import { idText } from '../fields.ts';

/** The body of POST /ingest/runs: the `ingest` job's parameters. */
export { ingestParams as startRunBody } from '../jobs/params.ts';

export const runsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(20),
  cursor: z.string().max(200).optional(),
});

export const runIdParams = z.object({ id: idText });

const runTableDto = z.object({
  table: z.string(),
  mode: z.string().nullable(),
  reason: z.string().nullable(),
  status: z.string().nullable(),
  rowsRead: z.number().nullable(),
  rowsMerged: z.number().nullable(),
  rowsDeleted: z.number().nullable(),
  rowCount: z.number().nullable(),
  durationMs: z.number().nullable(),
  watermark: z.string().nullable(),
  note: z.string().nullable(),
  error: z.string().nullable(),
});

export const runDto = z.object({
  runId: z.number(),
  status: z.string().describe('running, succeeded, failed or interrupted'),
  mode: z.string(),
  requestedTables: z.array(z.string()).nullable(),
  source: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  snapshotBound: z.string().nullable().describe('watermark the run leaves: the snapshot time'),
  tablesCopied: z.number().nullable(),
  rowsRead: z.number().nullable(),
  rowsMerged: z.number().nullable(),
  rowsDeleted: z.number().nullable(),
  error: z.string().nullable(),
  warnings: z.array(z.string()),
  tables: z.array(runTableDto),
});

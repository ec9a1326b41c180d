/** Response shapes of GET /models and GET /models/{name}. */
import { z } from 'zod';
import { pageSchema } from '../pagination.ts';

export const modelNameParams = z.object({ name: z.string().regex(/^\w+$/) });

const testCounts = z.object({
  total: z.number().int(),
  passed: z.number().int(),
  failed: z.number().int(),
  warned: z.number().int(),
});

export const modelDto = z.object({
  name: z.string(),
  relation: z.string(),
  file: z.string(),
  layer: z.string(),
  materialized: z.enum(['view', 'table', 'incremental']),
  tags: z.array(z.string()),
  description: z.string().nullable(),
  /** Outcome of the latest run/build that selected the model; never_built before any. */
  status: z.enum(['success', 'error', 'skipped', 'never_built']),
  error: z.string().nullable(),
  rows: z.number().int().nullable(),
  durationMs: z.number().int().nullable(),
  lastRunAt: z.string().nullable(),
  /** When the relation now in the warehouse was built (latest successful run or build). */
  lastBuiltAt: z.string().nullable(),
  /** The model's tests as of the latest run that ran them (build or test). */
  tests: testCounts,
  upstream: z.array(z.string()),
  downstream: z.array(z.string()),
  sources: z.array(z.string()),
});
export type ModelDto = z.infer<typeof modelDto>;

export const modelList = pageSchema(modelDto);

export const testResultDto = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  severity: z.enum(['error', 'warn']),
  status: z.enum(['pass', 'fail', 'warn']),
  failures: z.number().int(),
  message: z.string().nullable(),
});

export const modelDetail = modelDto.extend({
  uniqueKey: z.array(z.string()),
  columns: z.record(z.string(), z.string()),
  testResults: z.array(testResultDto),
  recentRuns: z.array(
    z.object({
      runId: z.string(),
      command: z.string(),
      mode: z.string(),
      status: z.string(),
      rows: z.number().int().nullable(),
      durationMs: z.number().int().nullable(),
      finishedAt: z.string().nullable(),
      error: z.string().nullable(),
    }),
  ),
});

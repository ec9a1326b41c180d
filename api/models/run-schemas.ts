/** Request/response shapes of POST /models/runs and GET /models/runs/{id}. */
import { z } from 'zod';
import { selector } from '../jobs/params.ts';

export const modelRunBody = z.strictObject({
  command: z
    .enum(['build', 'run', 'test'])
    .describe('build: build and test; run: build only; test: test the built relations'),
  select: z.array(selector).max(100).optional().describe('model selectors (default: every model)'),
  fullRefresh: z.boolean().optional().describe('rebuild incremental models from scratch'),
});

const modelDto = z.object({
  name: z.string(),
  status: z.enum(['success', 'error', 'skipped']),
  mode: z.string().describe('view, full, incremental, test or none'),
  rows: z.number().nullable(),
  rowsChanged: z.number().nullable(),
  durationMs: z.number(),
  tests: z.object({ passed: z.number(), failed: z.number(), warned: z.number() }),
  warnings: z.array(z.object({ test: z.string(), message: z.string() })),
  error: z.string().nullable(),
});

export const modelRunDto = z.object({
  id: z.number().int().describe('the build job run (GET /jobs/runs/{id} shows the same run)'),
  status: z.enum(['queued', 'running', 'succeeded', 'failed', 'interrupted', 'skipped']),
  command: z.enum(['build', 'run', 'test']),
  select: z.array(z.string()),
  fullRefresh: z.boolean(),
  queuedAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  models: z.array(modelDto).describe('each model as it finished, in build order'),
  freshness: z
    .array(z.object({ status: z.string(), message: z.string() }))
    .describe('source freshness checks that warned or failed'),
  modelRunId: z.string().nullable().describe("the engine's run id (meta.runs)"),
  error: z.string().nullable(),
});
export type ModelRunDto = z.infer<typeof modelRunDto>;

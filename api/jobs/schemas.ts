/** Request/response shapes of the jobs area: jobs, their runs, the warehouse's freshness. */
import { z } from 'zod';
import { idText } from '../fields.ts';

/**
 * A job's name. Any text: a name that is no job is a 404 naming it (the routes look it up), and
 * the query is checked either way, so a bad `limit` is named even on a mistyped job.
 */
export const jobNameParams = z.object({ name: z.string().max(100) });

export const runIdParams = z.object({ id: idText });

export const runsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(20),
  cursor: z.string().max(200).optional(),
});

const RUN_STATUS = ['queued', 'running', 'succeeded', 'failed', 'interrupted', 'skipped'] as const;

export const jobRunDto = z.object({
  id: z.number().int(),
  job: z.string(),
  instance: z.string().describe('the host and warehouse file the run belongs to'),
  trigger: z.enum(['schedule', 'manual', 'change', 'start']),
  status: z.enum(RUN_STATUS),
  params: z.record(z.string(), z.unknown()),
  queuedAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  attempts: z.number().int(),
  rows: z.number().nullable(),
  modelsBuilt: z.number().int().nullable(),
  ingestRunId: z.number().int().nullable(),
  modelRunId: z.string().nullable(),
  error: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()).nullable(),
  progress: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('while running in the answering server: what the job reported last'),
  lines: z
    .array(z.string())
    .optional()
    .describe('in the server that ran it, until a minute after its end: the lines it printed'),
  chainedRunId: z
    .number()
    .int()
    .optional()
    .describe('in that server: the run it queued next (an ingest queues a build)'),
});

export const jobDto = z.object({
  name: z.string(),
  description: z.string(),
  resource: z.enum(['warehouse', 'database']),
  schedule: z
    .string()
    .nullable()
    .describe('the cron expression in force; null: none, off, or one per report (schedules)'),
  timezone: z.string(),
  nextRunAt: z.string().nullable().describe('the soonest run of any of its schedules'),
  schedules: z
    .array(
      z.object({
        name: z.string().describe('the report (dashboards/reports.yaml)'),
        schedule: z.string(),
        timezone: z.string(),
        nextRunAt: z.string().nullable(),
      }),
    )
    .optional()
    .describe('the report job: one schedule per report, each with its own cron and zone'),
  lastRun: jobRunDto.nullable(),
});

const lastRun = z.object({ at: z.string(), status: z.string() }).nullable();

export const freshnessDto = z.object({
  lastIngest: lastRun,
  lastBuild: lastRun,
  lagSeconds: z.number().int().describe('seconds since the oldest write not yet in the warehouse'),
  stale: z.boolean().describe('a write is waiting for the next refresh cycle'),
});

/** POST /jobs/{name}/run: each job checks its own parameters (api/jobs/params.ts). */
export const runJobBody = z.record(z.string(), z.unknown());

/**
 * The job runtime's shapes: what a job is, what one run of it records, and what the rest of the
 * code (routes, CLI hand-off, server start) may ask of the runtime. Every background run goes
 * through it — scheduled, change-driven, manual, a CLI hand-off, the first start.
 */
import type { Logger } from 'pino';
import type { AppContext } from '../context.ts';

/** Why a run happened. */
export type JobTrigger = 'schedule' | 'manual' | 'change' | 'start';

export type JobRunStatus =
  'queued' | 'running' | 'succeeded' | 'failed' | 'interrupted' | 'skipped';

/**
 * What a job holds while it runs:
 * - `warehouse`: this process's DuckDB file — ingest, build (and later segment) take turns
 *   behind one gate per warehouse; a second request queues behind the running one.
 * - `database`: writes PostgreSQL only; runs once per scheduled slot across every instance on
 *   the database (a unique slot row), under a database-wide advisory lock.
 */
export type JobResource = 'warehouse' | 'database';

/** What a running job gets. */
export interface JobContext {
  readonly app: AppContext;
  readonly runId: number;
  readonly trigger: JobTrigger;
  /** The request's parameters (e.g. a build's selection); {} for scheduled runs. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Aborted on shutdown (SIGTERM): stop within seconds, leaving the last commit in place. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** Live progress, shown by GET /jobs/runs/{id} while the run lasts (replaces the last one). */
  progress(p: Readonly<Record<string, unknown>>): void;
  /** Lines a person would want to see as it goes (the first start prints them). */
  say(line: string): void;
  /**
   * Run `fn` in the warehouse's turn (behind any ingest or build). For database jobs that also
   * touch the warehouse (cleanup); a warehouse job already holds the turn and must not call it.
   */
  warehouseTurn<T>(fn: () => Promise<T>): Promise<T>;
}

/** What a run reports when it ends well. */
export interface JobOutcome {
  /** 'skipped': there was nothing to do (no change to ingest, no model reads the change). */
  status?: 'succeeded' | 'skipped';
  rows?: number;
  modelsBuilt?: number;
  ingestRunId?: number;
  modelRunId?: string;
  /** Anything else worth keeping with the run (shown by the API). */
  detail?: Readonly<Record<string, unknown>>;
  /** A run to queue next with the same trigger (ingest → build). */
  next?: { job: string; params: Record<string, unknown> };
}

/**
 * One of the schedules of a job that has several, each run with its own parameters: the report
 * job has one per report of dashboards/reports.yaml, each on the report's own cron and zone.
 */
export interface JobScheduleEntry {
  /** Names the schedule within its job (the report's name): in GET /jobs and in the slot key. */
  readonly name: string;
  /** node-cron expression (checked where it was read). */
  readonly cron: string;
  /** IANA zone the expression is read in; default SALESOPS_JOBS_TIMEZONE. */
  readonly timezone?: string;
  /** What each of its runs is asked (`{report: name}`). */
  readonly params: Readonly<Record<string, unknown>>;
}

/** One job, as a file in jobs/ declares it. */
export interface JobDefinition {
  /** kebab-case; SALESOPS_JOB_<NAME>_CRON overrides the schedule (upper snake case). */
  readonly name: string;
  readonly description: string;
  /** node-cron expression, or null for a job that only runs when asked or chained. */
  readonly defaultSchedule: string | null;
  /**
   * Instead of one default schedule: several, read from the files the context loaded (the
   * report job's, from dashboards/reports.yaml). SALESOPS_JOB_<NAME>_CRON may only switch them
   * all `off`.
   */
  readonly schedules?: {
    /** Where they are declared, for the error that refuses a cron variable. */
    readonly from: string;
    entries(app: AppContext): readonly JobScheduleEntry[];
  };
  readonly resource: JobResource;
  /** Who may start it by hand besides admins (POST /jobs/{name}/run). */
  readonly managersMayRun: boolean;
  /**
   * A database job's advisory lock key for these params (default the job's name): runs that
   * may not overlap share it. The report job's is per report, so two reports due at the same
   * minute run side by side in two instances instead of one skipping.
   */
  lockKey?(params: Readonly<Record<string, unknown>>): string;
  run(ctx: JobContext): Promise<JobOutcome>;
}

/** A run as stored in job_runs (and answered by the API). */
export interface JobRunRecord {
  id: number;
  job: string;
  /** The instance (host and warehouse file) it ran in. */
  instance: string;
  trigger: JobTrigger;
  status: JobRunStatus;
  params: Record<string, unknown>;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  attempts: number;
  rows: number | null;
  modelsBuilt: number | null;
  ingestRunId: number | null;
  modelRunId: string | null;
  error: string | null;
  detail: Record<string, unknown> | null;
  /** While running in this process: the last progress the job reported. */
  progress?: Record<string, unknown>;
  /** In the process that ran it (until a minute after its end): the lines it said so far. */
  lines?: string[];
  /** In that process: the run it queued next (ingest → build), once it did. */
  chainedRunId?: number;
}

/** What the API lists per job. */
export interface JobInfo {
  name: string;
  description: string;
  resource: JobResource;
  /** The schedule in force (null: none, switched off with `off`, or several: `schedules`). */
  schedule: string | null;
  timezone: string;
  /** The soonest run of any of its schedules. */
  nextRunAt: string | null;
  /** A job with one schedule per report: each, with its own cron, zone and next run. */
  schedules?: { name: string; schedule: string; timezone: string; nextRunAt: string | null }[];
  lastRun: JobRunRecord | null;
}

/** How fresh this instance's warehouse is (GET /warehouse/freshness, /health). */
export interface WarehouseFreshness {
  lastIngest: { at: string; status: string } | null;
  lastBuild: { at: string; status: string } | null;
  /** Seconds since the oldest write not yet in the warehouse (0 when none is known). */
  lagSeconds: number;
  stale: boolean;
}

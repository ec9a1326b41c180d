/**
 * One run of a job, from its turn to its end record: the attempts (a transient failure is
 * retried after a backoff), the database lock a database job runs under, the run it chains
 * (ingest → build), the job.failed alert on a final failure, and `interrupted` when shutdown
 * aborts it. The runtime (jobs/runtime.ts) queues runs and calls this when a run's turn comes.
 */
import type { Logger } from 'pino';
import type { AppContext } from '../context.ts';
import { raiseJobFailedAlert } from './alerts.ts';
import { withDatabaseJobLock } from './db-lock.ts';
import { JobFailure } from './errors.ts';
import * as history from './history.ts';
import { errorText, isTransient, MAX_ATTEMPTS, sleep } from './retry.ts';
import type { JobContext, JobDefinition, JobOutcome, JobRunRecord, JobTrigger } from './types.ts';

/** A run this process queued or runs, as the runtime keeps it. */
export interface LiveRun {
  record: JobRunRecord;
  progress?: Record<string, unknown>;
  /** What the run said (ctx.say), for a CLI that follows it over HTTP to print the same lines. */
  lines: string[];
  done: Promise<JobRunRecord>;
  /** The run this one chained (ingest → build), once requested. */
  chained?: number;
}

/** What a run's attempts need from the runtime. */
export interface RunHost {
  readonly app: AppContext;
  readonly log: Logger;
  /** Aborted on shutdown. */
  readonly signal: AbortSignal;
  /** Waits before each retry. */
  readonly backoffMs: readonly number[];
  /** Where a run's lines go besides the run's own list (the first start prints them). */
  say(line: string): void;
  warehouseTurn<T>(fn: () => Promise<T>): Promise<T>;
  /** Whether shutdown began (no chained run is queued then). */
  stopped(): boolean;
  request(
    name: string,
    trigger: JobTrigger,
    params?: Record<string, unknown>,
  ): Promise<JobRunRecord | undefined>;
}

/** Lines kept per run for followers (an ingest says one per table: a few dozen). */
const MAX_LINES = 1_000;

/** Run `def` for the queued `live` run until it ends; its end record. */
export async function executeRun(
  host: RunHost,
  def: JobDefinition,
  live: LiveRun,
): Promise<JobRunRecord> {
  const { record } = live;
  const { app, signal } = host;
  const db = app.ops.db;
  if (signal.aborted) return finish(host, live, 'interrupted', { error: 'the server stopped' });
  const log = host.log.child({ job: def.name, run: record.id });
  const ctx: JobContext = {
    app,
    runId: record.id,
    trigger: record.trigger,
    params: record.params,
    signal,
    log,
    progress: (p) => (live.progress = { ...p }),
    say: (line) => {
      if (live.lines.length < MAX_LINES) live.lines.push(line);
      host.say(line);
    },
    warehouseTurn: (fn) => host.warehouseTurn(fn),
  };
  for (let attempt = 1; ; attempt++) {
    await history.markRunning(db, record.id, attempt);
    live.record = { ...record, status: 'running', attempts: attempt };
    try {
      const outcome =
        def.resource === 'database'
          ? await withDatabaseJobLock(app.ops, def.lockKey?.(ctx.params) ?? def.name, () =>
              def.run(ctx),
            )
          : await def.run(ctx);
      if (outcome === undefined) {
        return finish(host, live, 'skipped', {
          outcome: { detail: { reason: 'another instance was running this job' } },
        });
      }
      const done = await finish(host, live, outcome.status ?? 'succeeded', { outcome });
      if (outcome.next && !host.stopped()) {
        const next = await host.request(outcome.next.job, record.trigger, outcome.next.params);
        live.chained = next?.id;
      }
      log.debug({ status: done.status, ms: elapsed(done) }, 'job run ended');
      return done;
    } catch (e) {
      if (signal.aborted) {
        return finish(host, live, 'interrupted', {
          error: 'the server stopped during the run; it is safe to run again',
        });
      }
      if (isTransient(e) && attempt < MAX_ATTEMPTS) {
        const wait = host.backoffMs[attempt - 1] ?? host.backoffMs.at(-1) ?? 0;
        log.warn({ err: e, attempt, waitMs: wait }, 'transient failure; retrying');
        try {
          await sleep(wait, signal);
        } catch {
          return finish(host, live, 'interrupted', { error: 'the server stopped' });
        }
        continue;
      }
      const message = errorText(e);
      log.error({ err: e, attempt }, 'job run failed');
      const failed = await finish(host, live, 'failed', {
        error: message,
        outcome: e instanceof JobFailure ? e.outcome : undefined,
      });
      await raiseJobFailedAlert(db, failed).catch((err: unknown) =>
        log.error({ err }, 'could not raise the job.failed alert'),
      );
      return failed;
    }
  }
}

async function finish(
  host: RunHost,
  live: LiveRun,
  status: 'succeeded' | 'failed' | 'interrupted' | 'skipped',
  end: { outcome?: JobOutcome; error?: string },
): Promise<JobRunRecord> {
  const db = host.app.ops.db;
  live.record =
    status === 'failed'
      ? await history.finishFailedRun(db, live.record.id, end)
      : await history.finishRun(db, live.record.id, status, end);
  return live.record;
}

function elapsed(r: JobRunRecord): number | undefined {
  return r.startedAt && r.finishedAt
    ? new Date(r.finishedAt).getTime() - new Date(r.startedAt).getTime()
    : undefined;
}

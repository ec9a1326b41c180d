/**
 * The job runtime: every background run in the server goes through it — scheduled, change-driven,
 * manual, a CLI hand-off, the first start. It gives each run a record in job_runs, makes runs that
 * need the warehouse take turns (ingest, build and later segment never overlap; a second request
 * queues behind the running one), retries transient failures, raises an alert on a final one, and
 * stops everything on shutdown through one abort signal.
 *
 * It also keeps the warehouse fresh: API writes mark it stale (here, and through LISTEN/NOTIFY on
 * PostgreSQL from other instances), and while stale an ingest → build cycle starts at most every
 * SALESOPS_REFRESH_SECONDS (jobs/change-refresh.ts). One run's attempts, from its turn to its end
 * record, are jobs/run-attempts.ts.
 */
import os from 'node:os';
import type { Logger } from 'pino';
import type { AppContext } from '../context.ts';
import { AsyncLock } from '../models/engine/duck.ts';
import { ChangeRefresh } from './change-refresh.ts';
import * as history from './history.ts';
import { BACKOFF_MS } from './retry.ts';
import type {
  JobDefinition,
  JobInfo,
  JobRunRecord,
  JobTrigger,
  WarehouseFreshness,
} from './types.ts';
import { readFreshness } from './freshness.ts';
import type { RefreshCycleRuns } from './refresh-cycle.ts';
import { JobFailure, UnknownJobError } from './errors.ts';
import { executeRun, type LiveRun, type RunHost } from './run-attempts.ts';
import { scheduleKey } from './scheduler.ts';
import type { ResolvedSchedule } from './schedule.ts';

export { JobFailure, UnknownJobError };

/** What the scheduler gives the runtime (jobs/schedule.ts). */
export interface ScheduleSource {
  start(): void;
  stop(): void;
  nextRun(job: string): Date | null;
  /** The next run of one schedule (scheduleKey) of a job with several. */
  nextRunOf(key: string): Date | null;
}

export interface RuntimeOptions {
  /** Names this process in job_runs (default: host name and warehouse file). */
  instance?: string;
  /** Waits before each retry (tests shorten them). */
  backoffMs?: readonly number[];
  /** Lines for a person (the first start prints them). */
  say?: (line: string) => void;
}

/** How long shutdown waits for runs to stop after aborting them. */
const STOP_GRACE_MS = 4_000;

export class JobRuntime {
  readonly instance: string;
  private readonly defs: ReadonlyMap<string, JobDefinition>;
  private readonly log: Logger;
  private readonly warehouseGate = new AsyncLock();
  private readonly databaseGates = new Map<string, AsyncLock>();
  private readonly live = new Map<number, LiveRun>();
  private readonly abort = new AbortController();
  private readonly backoffMs: readonly number[];
  private say: (line: string) => void;
  private schedules: readonly ResolvedSchedule[];
  private scheduler: ScheduleSource | undefined;
  private readonly changeRefresh: ChangeRefresh;
  /** What each run's attempts use of this runtime (jobs/run-attempts.ts). */
  private readonly host: RunHost;
  private stopped = false;

  constructor(
    private readonly app: AppContext,
    defs: readonly JobDefinition[],
    options: RuntimeOptions = {},
  ) {
    this.defs = new Map(defs.map((d) => [d.name, d]));
    this.instance =
      options.instance ??
      `${os.hostname()}:${app.warehouse?.path ?? app.config.warehousePath}`.slice(0, 300);
    this.log = app.logger.child({ component: 'jobs' });
    this.backoffMs = options.backoffMs ?? BACKOFF_MS;
    this.say = options.say ?? (() => {});
    this.schedules = defs.map((d) => ({ job: d.name, cron: d.defaultSchedule, source: 'default' }));
    this.changeRefresh = new ChangeRefresh(this, app.config, this.log);
    this.host = {
      app,
      log: this.log,
      signal: this.abort.signal,
      backoffMs: this.backoffMs,
      say: (line) => this.say(line),
      warehouseTurn: (fn) => this.warehouseGate.run(fn),
      stopped: () => this.stopped,
      request: (name, trigger, params) => this.request(name, trigger, params),
    };
  }

  /** Mark what this instance left queued or running as interrupted; how many. */
  async open(): Promise<number> {
    const n = await history.interruptOpenRuns(this.app.ops.db, this.instance);
    if (n) this.log.warn({ runs: n }, 'runs left by a stopped server marked interrupted');
    return n;
  }

  /** Start firing schedules (the scheduler calls `fire`). */
  useScheduler(scheduler: ScheduleSource, schedules: readonly ResolvedSchedule[]): void {
    this.scheduler = scheduler;
    this.schedules = schedules;
    scheduler.start();
  }

  /** Where progress lines go from now on (the first start prints, later runs only log). */
  setSay(say: (line: string) => void): void {
    this.say = say;
  }

  definitions(): JobDefinition[] {
    return [...this.defs.values()];
  }

  definition(name: string): JobDefinition {
    const d = this.defs.get(name);
    if (!d) throw new UnknownJobError(name);
    return d;
  }

  /**
   * The scheduler's callback: one slot of one job (of one of its schedules, for a job with
   * several: the report job's run for one report, with that schedule's params).
   */
  fire(job: string, scheduledFor: Date, schedule?: ResolvedSchedule): void {
    const def = this.defs.get(job);
    if (!def || this.stopped) return;
    // Database jobs run once per slot across instances: the slot is the unique key. Each of a
    // job's schedules has its own slots: two reports due at 08:00 are two runs.
    const key = schedule ? scheduleKey(schedule) : job;
    const slot = def.resource === 'database' ? `${key}@${scheduledFor.toISOString()}` : undefined;
    this.request(job, 'schedule', { ...schedule?.params }, { slot }).catch((e: unknown) =>
      this.log.error({ err: e, job, schedule: key }, 'could not start a scheduled run'),
    );
  }

  /**
   * Queue a run and return its record at once (status queued); it starts when its turn comes.
   * Undefined only for a scheduled slot another instance took.
   */
  async request(
    name: string,
    trigger: JobTrigger,
    params: Record<string, unknown> = {},
    opts: { slot?: string; requestedByKeyId?: number | null } = {},
  ): Promise<JobRunRecord | undefined> {
    const def = this.definition(name);
    if (this.stopped) throw new Error('the server is stopping');
    const record = await history.insertRun(this.app.ops.db, {
      job: name,
      instance: this.instance,
      trigger,
      params,
      slot: opts.slot,
      requestedByKeyId: opts.requestedByKeyId,
    });
    if (!record) {
      this.log.debug({ job: name, slot: opts.slot }, 'slot taken by another instance');
      return undefined;
    }
    const live: LiveRun = { record, lines: [], done: Promise.resolve(record) };
    this.live.set(record.id, live);
    const gate =
      def.resource === 'warehouse'
        ? this.warehouseGate
        : (this.databaseGates.get(name) ??
          this.databaseGates.set(name, new AsyncLock()).get(name)!);
    live.done = gate
      .run(() => executeRun(this.host, def, live))
      .finally(() => {
        // Kept a little after the end, so a follower polling GET …/runs/{id} sees the chain.
        setTimeout(() => this.live.delete(record.id), 60_000).unref();
      });
    return record;
  }

  /** The record when the run has ended (a run of another process: as it stands now). */
  async wait(id: number): Promise<JobRunRecord | undefined> {
    const live = this.live.get(id);
    if (live) return live.done;
    return history.findRun(this.app.ops.db, id);
  }

  /** The chained run (ingest → build) a run started, once it ended and requested it. */
  chainedFrom(id: number): number | undefined {
    return this.live.get(id)?.chained;
  }

  /**
   * One run, with live progress while it runs in this process, and (kept a minute after its end)
   * the lines it said and the run it chained: what a CLI following it over HTTP prints.
   */
  async get(id: number): Promise<JobRunRecord | undefined> {
    const stored = await history.findRun(this.app.ops.db, id);
    const live = this.live.get(id);
    if (!stored) return undefined;
    if (!live) return stored;
    // Recorded as ended, but a chained run (ingest → build) is queued just after: wait for it,
    // so a follower that sees the end also sees what comes next.
    if (stored.status !== 'queued' && stored.status !== 'running') await live.done.catch(() => {});
    return {
      ...stored,
      ...(live.progress && stored.status === 'running' ? { progress: live.progress } : {}),
      lines: [...live.lines],
      ...(live.chained !== undefined ? { chainedRunId: live.chained } : {}),
    };
  }

  /** Every job: schedule, next run, last run. */
  async list(): Promise<JobInfo[]> {
    const last = await history.lastRuns(this.app.ops.db);
    const zone = this.app.config.jobsTimezone;
    return this.definitions().map((d) => {
      const mine = this.schedules.filter((s) => s.job === d.name);
      const entries = mine.filter((s) => s.entry !== undefined && s.cron !== null);
      return {
        name: d.name,
        description: d.description,
        resource: d.resource,
        schedule: (mine.length === 1 && mine[0]!.entry === undefined && mine[0]!.cron) || null,
        timezone: zone,
        nextRunAt: this.scheduler?.nextRun(d.name)?.toISOString() ?? null,
        ...(d.schedules
          ? {
              schedules: entries.map((s) => ({
                name: s.entry!,
                schedule: s.cron!,
                timezone: s.timezone ?? zone,
                nextRunAt: this.scheduler?.nextRunOf(scheduleKey(s))?.toISOString() ?? null,
              })),
            }
          : {}),
        lastRun: last.get(d.name) ?? null,
      };
    });
  }

  /** The warehouse's freshness as a dashboard badge reads it. */
  async freshness(): Promise<WarehouseFreshness> {
    const since = this.changeRefresh.behindSince();
    const read = this.app.warehouse
      ? await readFreshness(this.app.warehouse)
      : { lastIngest: null, lastBuild: null };
    return {
      ...read,
      lagSeconds: since === undefined ? 0 : Math.max(0, Math.round((Date.now() - since) / 1000)),
      stale: since !== undefined,
    };
  }

  /**
   * An API write to business data committed: the warehouse is behind (jobs/change-refresh.ts).
   */
  markStale(at: Date = new Date()): void {
    this.changeRefresh.markStale(at);
  }

  /**
   * One ingest → build cycle, awaited to its end (the chained build and segment included). Used by the
   * change-driven loop and by the first start. Returns the records of its runs (jobs/refresh-cycle.ts).
   */
  refresh(trigger: JobTrigger): Promise<RefreshCycleRuns> {
    return this.changeRefresh.refresh(trigger);
  }

  /**
   * Shutdown: no new runs, abort the running ones, wait for them to stop (they leave the
   * warehouse at its last commit) but not beyond a few seconds.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.scheduler?.stop();
    this.changeRefresh.stop();
    this.abort.abort(new Error('the server is stopping'));
    const running = [...this.live.values()].map((l) => l.done.catch(() => {}));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(running),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_GRACE_MS))),
    ]);
    clearTimeout(timer);
  }
}

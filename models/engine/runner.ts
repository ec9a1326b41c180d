/**
 * `models run | test | build`: builds the selected models in DAG order, independent ones in
 * parallel on separate DuckDB connections, each into its staged relation, skipping everything
 * downstream of a failure; when every model succeeded, publishes them all in one transaction
 * (publish.ts), else publishes nothing. Records the whole run in `meta`. One run at a time per
 * warehouse in this process. An AbortSignal stops it: no new model starts, running statements
 * are interrupted, nothing is published.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Warehouse } from '../../warehouse/duckdb.ts';
import { AsyncLock } from './duck.ts';
import { RunInterruptedError } from './errors.ts';
import { checkFreshness, type FreshnessOutcome } from './freshness.ts';
import { buildModel, testModel, type BuildContext, type ModelOutcome } from './materialize.ts';
import * as meta from './meta.ts';
import type { Project } from './project.ts';
import { dropStaging, publishModels } from './publish.ts';
import { Interrupter, schedule } from './schedule.ts';
import { selectModels } from './selection.ts';
import { quoteIdent } from './template.ts';

export { RunInterruptedError };

/** What to do. */
export interface RunOptions {
  command: 'run' | 'test' | 'build';
  /**
   * Selectors (`name`, `+name`, `name+`, `tag:x`, `path:models/marts`, `source:raw.orders`);
   * none = all.
   */
  select?: readonly string[];
  /** Rebuild incremental models from scratch. */
  fullRefresh?: boolean;
  /** Models built at once (each on its own connection). */
  threads?: number;
  /** Values for `{{ var('x') }}`; the caller sets timezone and as_of (see defaultVars). */
  vars: Readonly<Record<string, string>>;
  /** Progress: called once per model as it finishes, and once with the freshness checks. */
  onModel?: (o: ModelOutcome) => void;
  onFreshness?: (f: readonly FreshnessOutcome[]) => void;
  /**
   * Stops the run: no model starts after it fires, running DuckDB statements are interrupted,
   * nothing is published, staging is dropped, meta records the run `interrupted`, and the
   * promise rejects with RunInterruptedError. Too late once the publishing transaction has
   * committed: the run then finishes as usual.
   */
  signal?: AbortSignal;
}

/** The outcome of a whole invocation. */
export interface RunSummary {
  runId: string;
  status: 'success' | 'error';
  /**
   * run/build: true when the run's models were made live together; false when a model failed
   * (the previous build stays readable). Always false for `test`, which builds nothing.
   */
  published: boolean;
  /** Time the publishing transaction took (0 when nothing was published). */
  publishMs: number;
  models: ModelOutcome[];
  freshness: FreshnessOutcome[];
  durationMs: number;
  /** Earlier runs found still 'running' (their process died) and marked 'interrupted'. */
  interruptedRuns: number;
}

/** The vars every project gets: the business time zone and today's date in it. */
export function defaultVars(timezone: string, now = new Date()): Record<string, string> {
  const asOf = new Intl.DateTimeFormat('en-CA', { timeZone: timezone }).format(now);
  return { timezone, as_of: asOf };
}

const runLocks = new Map<string, AsyncLock>();

/** Run `options.command` over `project` in `warehouse`. */
export function runProject(
  warehouse: Warehouse,
  project: Project,
  options: RunOptions,
): Promise<RunSummary> {
  let lock = runLocks.get(warehouse.path);
  if (!lock) runLocks.set(warehouse.path, (lock = new AsyncLock()));
  return lock.run(() => runLocked(warehouse, project, options));
}

async function runLocked(
  warehouse: Warehouse,
  project: Project,
  options: RunOptions,
): Promise<RunSummary> {
  const started = performance.now();
  const { signal } = options;
  if (signal?.aborted) throw new RunInterruptedError(undefined, signal.reason);
  const selected = selectModels(project, options.select ?? []);
  const building = options.command !== 'test';
  const record: meta.RunRecord = {
    runId: randomUUID(),
    command: options.command,
    selector: (options.select ?? []).join(' '),
    fullRefresh: Boolean(options.fullRefresh),
    startedAt: new Date(),
  };
  const metaConn = await warehouse.connect();
  const metaLock = new AsyncLock(); // one statement stream on the meta connection
  const pool: DuckDBConnection[] = [];
  // Connections running a statement of this run: an abort interrupts them. The meta connection
  // is never among them, so the run's record and the cleanup can still be written.
  const busy = new Set<DuckDBConnection>();
  const interrupter = new Interrupter(busy, signal);
  let outcomes: ModelOutcome[] = [];
  try {
    await meta.ensureMeta(metaConn);
    const interruptedRuns = await meta.closeStaleRuns(metaConn);
    await meta.recordCatalog(metaConn, project);
    await meta.startRun(metaConn, record);

    let freshness: FreshnessOutcome[] = [];
    if (options.command !== 'run') {
      const sources = selected.flatMap((n) => project.models.get(n)!.sources);
      freshness = await checkFreshness(metaConn, project, sources);
      await meta.recordFreshness(metaConn, record, freshness);
      options.onFreshness?.(freshness);
    }
    const schemas = new Set(selected.map((n) => project.models.get(n)!.schema));
    for (const s of schemas) await metaConn.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(s)}`);

    const ctx: BuildContext = {
      project,
      vars: options.vars,
      fullRefresh: Boolean(options.fullRefresh),
      runTests: options.command === 'build',
      staged: new Set(building ? selected : []),
      signal,
    };
    const threads = Math.max(1, options.threads ?? 4);
    const withConnection = async <T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> => {
      const conn = pool.pop() ?? (await warehouse.connect());
      busy.add(conn);
      try {
        return await fn(conn);
      } finally {
        busy.delete(conn);
        pool.push(conn);
      }
    };
    outcomes = await schedule(
      project,
      selected,
      threads,
      !building,
      signal,
      (name) =>
        withConnection((conn) => {
          const m = project.models.get(name)!;
          return building ? buildModel(conn, ctx, m) : testModel(conn, ctx, m);
        }),
      async (o) => {
        await metaLock.run(() => meta.recordModel(metaConn, record, o));
        options.onModel?.(o);
      },
    );

    const modelsOk = outcomes.every((o) => o.status === 'success');
    let published = false;
    let publishMs = 0;
    if (building && modelsOk && !signal?.aborted) {
      try {
        const t0 = performance.now();
        await withConnection((conn) => publishModels(conn, project, options.vars, outcomes));
        publishMs = Math.round(performance.now() - t0);
        published = true;
      } catch (e) {
        if (!signal?.aborted) throw e;
      }
    }
    if (signal?.aborted && !published) throw new RunInterruptedError(record.runId, signal.reason);
    if (building) await dropStaging(metaConn, project, outcomes);

    const failed = !modelsOk || freshness.some((f) => f.status === 'error');
    const status = failed ? 'error' : 'success';
    const durationMs = Math.round(performance.now() - started);
    await meta.finishRun(metaConn, record, status, outcomes, durationMs, published);
    return {
      runId: record.runId,
      status,
      published,
      publishMs,
      models: outcomes,
      freshness,
      durationMs,
      interruptedRuns,
    };
  } catch (e) {
    // Whatever the failure or abort cut short: its staging goes, the live relations stay.
    if (building) await dropStaging(metaConn, project, outcomes).catch(() => {});
    if (e instanceof RunInterruptedError || signal?.aborted) {
      const durationMs = Math.round(performance.now() - started);
      await meta
        .finishRun(metaConn, record, 'interrupted', outcomes, durationMs, false)
        .catch(() => {});
      throw e instanceof RunInterruptedError
        ? e
        : new RunInterruptedError(record.runId, signal!.reason);
    }
    throw e;
  } finally {
    interrupter.stop();
    for (const c of pool) c.closeSync();
    metaConn.closeSync();
  }
}

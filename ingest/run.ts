/**
 * One ingest run, PostgreSQL → DuckDB `raw` schema: lock, snapshot, plan, extract and load in
 * parallel, check, commit. Called by `salesops ingest`, by POST /api/v1/ingest/runs and by the
 * scheduler; it reads no configuration of its own.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { OperationalDb } from '../db/operational.ts';
import type { Warehouse } from '../warehouse/duckdb.ts';
import { readCatalog, type Catalog } from './catalog.ts';
import { storedColumns } from './drift.ts';
import type { IngestEvent, ProgressListener } from './events.ts';
import type { DuckDBConnection } from '@duckdb/node-api';
import { IngestAbortedError, TableFailure } from './errors.ts';
import { resolveIncremental } from './extract.ts';
import { WarehouseLoader, type TableJob } from './loader.ts';
import { claimWarehouse } from './lock.ts';
import { transferTables, type TransferContext } from './pipeline.ts';
import { DELETES_TABLE, planRun } from './plan.ts';
import { openSnapshot, type Snapshot } from './source.ts';
import {
  closeRunRecord,
  ensureLogTables,
  openRunRecord,
  rawTables,
  readStates,
  recordTables,
  type TableResult,
  type TableShape,
  type TableState,
} from './state.ts';

/** Options of one run. */
export interface IngestOptions {
  /** Folder for temporary CSV chunks: config.ingestTempDir (the only one DuckDB may read). */
  tempDir: string;
  /** Recopy every selected table whole instead of merging changes. */
  full?: boolean;
  /** Only these tables (deleted_rows is added when needed for hard deletes). */
  tables?: readonly string[];
  /**
   * Incremental reads start this long before the previous watermark, for writers the in-flight
   * check cannot see (see source.ts). Re-read rows merge idempotently. Default 30 s.
   */
  safetyLagMs?: number;
  /** Size of the CSV chunk files (default 16 MiB). */
  chunkBytes?: number;
  /** Test hook, awaited at named steps (`locked`, `snapshot`, `extracted:T`, `loaded:T`, …). */
  onStep?: (step: string) => void | Promise<void>;
  /**
   * Stops the run wherever it is: a DuckDB statement is interrupted, the PostgreSQL connection
   * (and a COPY in flight on it) is dropped, and the run rolls back, is logged as 'interrupted',
   * and rejects with IngestAbortedError. On PGlite a COPY runs in one synchronous burst, so the
   * run stops when the current table's COPY ends (the demo's largest: ~0.3–0.8 s). An abort that
   * arrives once COMMIT has begun is too late: the run completes.
   */
  signal?: AbortSignal;
}

/** A finished run. */
export interface IngestResult {
  runId: number;
  status: 'succeeded';
  /** The snapshot's watermark (UTC). */
  bound: string;
  tables: TableResult[];
  warnings: string[];
  durationMs: number;
}

/** IngestOptions.safetyLagMs when not given (every run the jobs and the CLI start). */
export const DEFAULT_LAG_MS = 30_000;
const DEFAULT_CHUNK_BYTES = 16 * 1024 * 1024;

/**
 * Copy the operational tables into the warehouse. Refuses at once (IngestBusyError) when another
 * run holds this warehouse or the database's ingest lock. All tables commit together or not at all.
 */
export async function runIngest(
  ops: OperationalDb,
  warehouse: Warehouse,
  options: IngestOptions,
  onProgress: ProgressListener = () => {},
): Promise<IngestResult> {
  const started = Date.now();
  const { signal } = options;
  if (signal?.aborted) throw new IngestAbortedError(signal.reason);
  /** A test hook's step, after which an abort that came meanwhile takes effect. */
  const step = async (name: string) => {
    await options.onStep?.(name);
    signal?.throwIfAborted();
  };
  const emit = (e: IngestEvent) => {
    try {
      onProgress(e);
    } catch {
      /* a broken listener must not break the run */
    }
  };
  const claim = claimWarehouse(warehouse.path);
  const results: TableResult[] = [];
  const warnings: string[] = [];
  let conn: DuckDBConnection | undefined;
  let loader: WarehouseLoader | undefined;
  let snapshot: Snapshot | undefined;
  let runId: number | undefined;
  let runDir: string | undefined;
  // Whatever the run is waiting for gets cut short: DuckDB's statement, PostgreSQL's query.
  const onAbort = () => {
    conn?.interrupt();
    snapshot?.abandon(signal!.reason);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const duck = await warehouse.connect();
    conn = duck;
    loader = new WarehouseLoader(duck);
    const openSource = async () => {
      // On PGlite the catalog is read just before the snapshot's transaction rather than in it:
      // in it, every API request waits for it (17–80 ms of the ~50–150 ms an incremental run
      // held the session, measured under load). Its tables and columns can only change there by
      // a migration, which runs at open before anything else; should one slip in between, a
      // COPY naming a dropped column fails the run and the next one reads the new catalog.
      let early: Catalog | undefined;
      const opened = await openSnapshot(
        ops,
        ops.kind === 'embedded'
          ? async (query) => void (early = await readCatalog(query))
          : undefined,
      );
      snapshot = opened;
      // An abort while the snapshot was being opened found nothing to cut yet.
      if (signal?.aborted) opened.abandon(signal.reason);
      return { snap: opened, catalog: early ?? (await readCatalog((sql) => opened.query(sql))) };
    };
    // PostgreSQL's part (lock, snapshot, catalog) and DuckDB's (log tables, states) side by
    // side: the fixed cost of a run that finds little to do is mostly such round trips.
    let [{ snap, catalog }, { states, existing }] = await settleBoth(
      openSource(),
      (async () => {
        await ensureLogTables(duck);
        return { states: await readStates(duck), existing: await rawTables(duck) };
      })(),
    );
    // Plan before opening a run record, so a request naming unknown tables leaves no trace.
    let plan = planRun(catalog, states, existing, options);
    warnings.push(...plan.warnings);
    const lag = options.safetyLagMs ?? DEFAULT_LAG_MS;
    const [id] = await settleBoth(
      (async () => {
        runId = await openRunRecord(duck, {
          mode: options.full ? 'full' : 'incremental',
          tables: options.tables,
          source: ops.description,
        });
        // At once: a 'running' record that no claim holds is reported as interrupted.
        claim.run.runId = runId;
        return runId;
      })(),
      resolveIncremental(snap, plan.jobs, states, lag),
    );
    runDir = prepareTempDir(options.tempDir, id);
    await step('locked');
    emit({ type: 'started', runId: id, tables: plan.jobs.map((j) => j.table.name) });
    for (const message of warnings) emit({ type: 'warning', message });
    await step('snapshot');

    // On PGlite the snapshot's transaction holds the one session, so every API query waits
    // until it ends: it ends as soon as the last COPY has, while DuckDB is still loading. An
    // incremental run of the 20,000-order demo held it for ~600 ms, of which ~90 ms was DuckDB's
    // merge and commit; a full run for 9 s, of which 6 s was DuckDB's. PostgreSQL keeps it open
    // to the end (MVCC: nobody waits) and so can recount and reload in the same snapshot.
    let releaseEarly = ops.kind === 'embedded';
    for (;;) {
      await loader.begin();
      const current = snap;
      const done = await transferAll(plan.jobs, {
        snapshot: current,
        loader,
        dir: runDir,
        chunkBytes: options.chunkBytes ?? DEFAULT_CHUNK_BYTES,
        deletesFrom: deletesFromFor(plan.jobs),
        emit,
        step,
        signal,
        extracted: releaseEarly ? () => current.close() : undefined,
      });
      if (done) {
        results.push(...done.results);
        warnings.push(...done.warnings);
        for (const message of done.warnings) emit({ type: 'warning', message });
        break;
      }
      // A table's count disagreed after the snapshot was given back: recounting it, or reloading
      // it whole, needs that snapshot. Start over on a new one, kept to the end this time. Rare:
      // a delete deleted_rows missed, or statistics that lagged a write (fingerprint.ts).
      await loader.rollback();
      // A new loader too: what the old one cached (deleted_rows' tables) was rolled back.
      loader = new WarehouseLoader(duck);
      releaseEarly = false;
      ({ snap, catalog } = await openSource());
      plan = planRun(catalog, states, existing, options);
      warnings.splice(0, warnings.length, ...plan.warnings);
      await resolveIncremental(snap, plan.jobs, states, lag);
      signal?.throwIfAborted();
    }

    await recordTables(duck, id, results, tableShapes(plan.jobs, states));
    await closeRunRecord(duck, id, {
      status: 'succeeded',
      bound: snap.bound,
      results,
      warnings,
    });
    await step('before-commit');
    // From here on an abort is too late: interrupting COMMIT could leave doubt about the outcome.
    signal?.removeEventListener('abort', onAbort);
    await loader.commit();
    await options.onStep?.('committed');
    const bound = snap.bound;
    snapshot = undefined;
    await snap.close();
    return {
      runId: id,
      status: 'succeeded',
      bound,
      tables: results,
      warnings,
      durationMs: Date.now() - started,
    };
  } catch (e) {
    const aborted = signal?.aborted === true;
    const error = aborted ? new IngestAbortedError(signal.reason) : e;
    await loader?.rollback();
    await snapshot?.close();
    if (conn && runId !== undefined) {
      await recordFailure(
        conn,
        runId,
        results,
        error,
        warnings,
        aborted ? 'interrupted' : 'failed',
      );
    }
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (runDir) fs.rmSync(runDir, { recursive: true, force: true });
    conn?.closeSync();
    claim.release();
  }
}

/** Start of the hard deletes to apply to each job: incremental tables, once deleted_rows is in. */
function deletesFromFor(jobs: readonly TableJob[]): TransferContext['deletesFrom'] {
  const deletesLoaded = jobs.some((j) => j.table.name === DELETES_TABLE);
  return (job) =>
    job.mode === 'incremental' && deletesLoaded && job.table.name !== DELETES_TABLE
      ? job.from
      : undefined;
}

/**
 * Transfer every job; tables whose merged count disagrees with the snapshot are reloaded whole
 * from it. Undefined when that is needed but the snapshot was already given back (the caller
 * starts over).
 */
async function transferAll(
  jobs: readonly TableJob[],
  ctx: TransferContext,
): Promise<{ results: TableResult[]; warnings: string[] } | undefined> {
  const first = await transferTables(jobs, ctx);
  if (!first.mismatched.length) return { results: first.results, warnings: [] };
  if (ctx.snapshot.closed) return undefined;
  // The merge left a row count other than the snapshot's: a delete the deletes table did not
  // record, or a row written with an old updated_at. Recopy those whole, same snapshot.
  const warnings: string[] = [];
  for (const job of first.mismatched) {
    warnings.push(
      `${job.table.name}: the warehouse count differed from the source after merging; ` +
        'reloaded in full (does the table record its hard deletes in deleted_rows?)',
    );
    Object.assign(job, { mode: 'full', reason: `${job.reason}; reloaded in full`, added: [] });
  }
  const again = await transferTables(first.mismatched, { ...ctx, extracted: undefined });
  return { results: [...first.results, ...again.results], warnings };
}

/**
 * Await both, then throw the first failure: neither is left running (on a connection about to
 * be closed) when the run cleans up.
 */
async function settleBoth<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === 'rejected') throw ra.reason;
  if (rb.status === 'rejected') throw rb.reason;
  return [ra.value, rb.value];
}

/**
 * What _ingest_state remembers of each table's shape and source. An incremental job without
 * added columns has the stored columns and key (planRun checked); the exclusions are compared
 * here, as a denied column can appear without changing what is copied.
 */
function tableShapes(
  jobs: readonly TableJob[],
  states: ReadonlyMap<string, TableState>,
): Map<string, TableShape> {
  return new Map(
    jobs.map((j) => {
      const excluded = j.table.excludedColumns;
      const before = states.get(j.table.name)?.excluded;
      const unchanged =
        j.mode === 'incremental' &&
        j.added.length === 0 &&
        before !== undefined &&
        before.join('\0') === excluded.join('\0');
      return [
        j.table.name,
        {
          unchanged,
          columns: storedColumns(j.table.columns),
          primaryKey: j.table.primaryKey,
          excluded,
          fingerprint: j.fingerprint ?? null,
        },
      ];
    }),
  );
}

/** The run's chunk folder; folders of runs that died are removed (we hold the locks). */
function prepareTempDir(tempDir: string, runId: number): string {
  fs.mkdirSync(tempDir, { recursive: true });
  for (const name of fs.readdirSync(tempDir)) {
    if (name.startsWith('ingest-run-'))
      fs.rmSync(path.join(tempDir, name), { recursive: true, force: true });
  }
  const dir = path.join(path.resolve(tempDir), `ingest-run-${runId}`);
  fs.mkdirSync(dir);
  return dir;
}

/**
 * Log a failed or aborted run in its own transaction: tables already done are rolled back, one
 * failed.
 */
async function recordFailure(
  conn: DuckDBConnection,
  runId: number,
  done: readonly TableResult[],
  error: unknown,
  warnings: readonly string[],
  status: 'failed' | 'interrupted',
): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  const tables: TableResult[] = done.map((t) => ({ ...t, status: 'rolled back' }));
  if (error instanceof TableFailure && !done.some((t) => t.table === error.table)) {
    tables.push({
      table: error.table,
      mode: 'full',
      reason: '',
      status: 'failed',
      rowsRead: 0,
      rowsMerged: 0,
      rowsDeleted: 0,
      rowCount: null,
      durationMs: 0,
      watermark: null,
      error: message,
    });
  }
  try {
    await conn.run('BEGIN');
    await recordTables(conn, runId, tables, new Map());
    await closeRunRecord(conn, runId, {
      status,
      bound: null,
      results: [],
      error: message,
      warnings,
    });
    await conn.run('COMMIT');
  } catch {
    await conn.run('ROLLBACK').catch(() => {});
  }
}

/**
 * The hand-over between extraction and loading: a queue of chunk files that the loader consumes
 * in order while PostgreSQL keeps producing — the overlap is what brings a run near the raw COPY
 * rate (see csv-chunks.ts).
 */
import fs from 'node:fs';
import { TableFailure } from './errors.ts';
import type { IngestEvent } from './events.ts';
import { countRows, extractJobs, type ChunkItem } from './extract.ts';
import type { TableJob, WarehouseLoader } from './loader.ts';
import type { Snapshot } from './source.ts';
import type { TableResult } from './state.ts';

/** FIFO of chunk items with an end and a failure state. */
export class ChunkQueue {
  private items: ChunkItem[] = [];
  private waiting: (() => void) | undefined;
  private closed = false;
  private failure: { error: unknown } | undefined;

  push(item: ChunkItem): void {
    this.items.push(item);
    this.wake();
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  fail(error: unknown): void {
    this.failure ??= { error };
    this.wake();
  }

  /** Next item; undefined once closed and drained; throws the producer's failure. */
  async next(): Promise<ChunkItem | undefined> {
    for (;;) {
      if (this.failure) throw this.failure.error;
      const item = this.items.shift();
      if (item) return item;
      if (this.closed) return undefined;
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }
}

/** What a transfer needs from the run. */
export interface TransferContext {
  snapshot: Snapshot;
  loader: WarehouseLoader;
  dir: string;
  chunkBytes: number;
  /** Start of the hard deletes to apply to `job`, or undefined for none. */
  deletesFrom(job: TableJob): string | undefined;
  emit(event: IngestEvent): void;
  step(name: string): Promise<void>;
  /** The caller's abort: stops the extraction at its next slice and the loading at once. */
  signal?: AbortSignal;
  /**
   * Called once the last COPY has ended, while DuckDB may still be loading: the embedded run
   * gives PGlite's single session back here (run.ts). Afterwards `snapshot.closed` may be true,
   * and a mismatch that needs the snapshot is returned as such for the caller to retry.
   */
  extracted?: () => Promise<void>;
}

/**
 * Extract and load `jobs`, overlapped. Returns the results of the tables that finished, and the
 * incremental tables whose merged row count disagrees with the snapshot (to reload in full).
 */
export async function transferTables(
  jobs: readonly TableJob[],
  ctx: TransferContext,
): Promise<{ results: TableResult[]; mismatched: TableJob[] }> {
  const results: TableResult[] = [];
  const mismatched: TableJob[] = [];
  const startedAt = new Map<TableJob, number>();
  const queue = new ChunkQueue();
  const abort = new AbortController();
  const stop = () => {
    abort.abort(ctx.signal!.reason);
    queue.fail(ctx.signal!.reason);
  };
  ctx.signal?.addEventListener('abort', stop, { once: true });
  const producer = extractJobs(ctx.snapshot, jobs, {
    dir: ctx.dir,
    chunkBytes: ctx.chunkBytes,
    push: (item) => queue.push(item),
    onStart: (job) => {
      startedAt.set(job, Date.now());
      ctx.emit({
        type: 'table-started',
        table: job.table.name,
        mode: job.mode,
        reason: job.reason,
      });
    },
    signal: abort.signal,
    step: ctx.step,
  }).then(
    async () => {
      await ctx.extracted?.();
      queue.close();
    },
    (e: unknown) => {
      queue.fail(e);
      throw e;
    },
  );
  // Its failure reaches the loop through the queue; the loop may be busy in DuckDB when it
  // comes (an abort drops the connection mid-COPY), and awaits the producer only then.
  producer.catch(() => {});

  let job: TableJob | undefined;
  try {
    let loaded = 0;
    for (let item = await queue.next(); item; item = await queue.next()) {
      if (item.job !== job) {
        job = item.job;
        loaded = 0;
        await ctx.loader.prepare(job);
      }
      if (item.kind !== 'end') {
        const rows = await ctx.loader.loadFile(job, item.kind, item.file, item.longestRow);
        fs.rmSync(item.file, { force: true });
        if (item.kind === 'rows') loaded += rows;
        const elapsedMs = Date.now() - startedAt.get(job)!;
        ctx.emit({ type: 'table-rows', table: job.table.name, rows: loaded, elapsedMs });
        await ctx.step(`chunk:${job.table.name}`);
        continue;
      }
      const done = await ctx.loader.finish(job, ctx.deletesFrom(job));
      if (done.mismatch && job.sourceCountInferred && !ctx.snapshot.closed) {
        // The statistics fingerprint can lag a change by seconds (fingerprint.ts), so the count
        // carried over from the last run may be stale: count for real before reloading anything.
        // (On PostgreSQL the query waits behind the COPY the extractor is running, which ends.)
        job.sourceCount = await countRows(ctx.snapshot, job.table);
        job.sourceCountInferred = false;
        done.mismatch = done.rowCount !== job.sourceCount;
      }
      if (done.mismatch) {
        mismatched.push(job);
      } else {
        const result: TableResult = {
          table: job.table.name,
          mode: job.mode,
          reason: job.reason,
          status: 'succeeded',
          rowsRead: item.rowsRead,
          rowsMerged: job.mode === 'full' ? item.rowsRead : done.merged,
          rowsDeleted: done.deleted,
          rowCount: done.rowCount,
          durationMs: Date.now() - startedAt.get(job)!,
          watermark: ctx.snapshot.bound,
        };
        results.push(result);
        ctx.emit({ type: 'table-done', result });
      }
      await ctx.step(`loaded:${job.table.name}`);
      job = undefined;
    }
  } catch (e) {
    abort.abort(e);
    await producer.catch(() => {});
    if (ctx.signal?.aborted) throw ctx.signal.reason;
    throw job ? TableFailure.of(job.table.name, e) : e;
  } finally {
    ctx.signal?.removeEventListener('abort', stop);
  }
  await producer;
  return { results, mismatched };
}

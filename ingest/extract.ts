/**
 * The PostgreSQL reads of a run, all on the run's snapshot: row counts for the check after
 * merging, then each table's COPY cut into CSV chunk files that the loader picks up as they
 * appear (see csv-chunks.ts for why files, and why several per table).
 */
import type { SourceTable } from './catalog.ts';
import { CsvChunkWriter } from './csv-chunks.ts';
import { TableFailure } from './errors.ts';
import type { TableJob } from './loader.ts';
import { backfillColumns } from './loader.ts';
import { DELETES_TABLE } from './plan.ts';
import { ident, literal } from './quote.ts';
import { utcText, type Snapshot } from './source.ts';
import type { TableState } from './state.ts';
import type { ColumnPlan } from './types.ts';

/** One piece of work for the loader. */
export type ChunkItem =
  | { job: TableJob; kind: 'rows' | 'backfill'; file: string; longestRow: number }
  | { job: TableJob; kind: 'end'; rowsRead: number };

const source = (t: SourceTable) => `public.${ident(t.name)}`;
const selectList = (cols: readonly ColumnPlan[]) =>
  cols.map((c) => `${c.extract} AS ${ident(c.name)}`).join(', ');

/** The SELECT a job's COPY runs: every copied column, changed rows only when incremental. */
export function rowsSelect(job: TableJob): string {
  const where =
    job.mode === 'incremental' && job.from !== undefined
      ? ` WHERE "updated_at" >= ${literal(job.from)}::timestamptz`
      : '';
  return `SELECT ${selectList(job.table.columns)} FROM ${source(job.table)}${where}`;
}

/** Key and added columns of every row, to fill columns that appeared since the last run. */
export function backfillSelect(job: TableJob): string {
  return `SELECT ${selectList(backfillColumns(job))} FROM ${source(job.table)}`;
}

/**
 * Fill in what the plan needs from the snapshot: where incremental reads start (watermark − lag,
 * computed by PostgreSQL to keep microseconds), the row count the merge must reproduce, and each
 * table's statistics fingerprint. The count comes from PostgreSQL only for tables whose
 * fingerprint moved since the previous run; for the others it is the previous run's (see
 * fingerprint.ts). Two queries in all, whatever the number of tables.
 */
export async function resolveIncremental(
  snapshot: Snapshot,
  jobs: readonly TableJob[],
  states: ReadonlyMap<string, TableState>,
  safetyLagMs: number,
): Promise<void> {
  const lag = `interval '${Math.max(0, Math.round(safetyLagMs))} milliseconds'`;
  const toCount: TableJob[] = [];
  const incremental = jobs.filter((j) => j.mode === 'incremental');
  for (const job of jobs) job.fingerprint = snapshot.fingerprints.get(job.table.name);
  for (const job of incremental) {
    const state = states.get(job.table.name)!;
    job.warehouseCount = state.rowCount ?? undefined;
    const unchanged = job.fingerprint !== undefined && job.fingerprint === state.fingerprint;
    if (unchanged && state.rowCount !== null) {
      job.sourceCount = state.rowCount;
      job.sourceCountInferred = true;
    } else {
      toCount.push(job);
    }
  }
  if (!incremental.length) return;
  // Where each table's read starts, and whether any row lies past it: a table with none needs no
  // COPY (27 empty COPYs were a third of an incremental run that found little to do). The test
  // is the COPY's own predicate, on the same snapshot, as max(updated_at): PostgreSQL answers a
  // max from the updated_at index whatever its statistics say, where EXISTS (… WHERE updated_at
  // >= x) is planned from them — and PGlite, with no autovacuum, has none, so EXISTS scanned
  // every table whole: 1.5–1.9 s per run on the 20,000-order demo, 26–55 ms now (both at load
  // average ~20 on 2 cores).
  //
  // The deletes table's oldest row comes along (from its updated_at index too) when its
  // statistics moved: the cleanup job may have pruned it (ingest/tombstones.ts).
  const deletes = toCount.find((j) => j.table.name === DELETES_TABLE);
  const starts = await snapshot.query<{
    i: number;
    start_at: string;
    changed: boolean;
    oldest: string | null;
  }>(
    incremental
      .map(
        (job, i) =>
          `SELECT ${i} AS i, s.start_at, coalesce((SELECT max("updated_at") FROM ${source(job.table)})
             >= s.start_at::timestamptz, false) AS changed, ${
               job === deletes
                 ? `(SELECT ${utcText('min("updated_at")')} FROM ${source(job.table)})`
                 : 'NULL::text'
             } AS oldest
           FROM (SELECT to_char((${literal(states.get(job.table.name)!.watermark)}::timestamptz - ${lag})
             AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' AS start_at) AS s`,
      )
      .join(' UNION ALL '),
  );
  for (const r of starts) {
    const job = incremental[Number(r.i)]!;
    job.from = r.start_at;
    job.unchanged = !r.changed;
  }
  if (deletes) {
    // What PostgreSQL no longer holds goes from the warehouse too, but never a tombstone a table
    // of this run still reads (its hard deletes start at its `from`): such a table's watermark
    // lags the prune, and the count check reloads the deletes table after it has read them.
    const oldest = starts.find((r) => incremental[Number(r.i)] === deletes)!.oldest;
    deletes.pruneBefore = [
      ...(oldest === null ? [] : [oldest]),
      ...incremental.filter((j) => j !== deletes).map((j) => j.from!),
    ];
  }
  if (!toCount.length) return;
  const counts = await snapshot.query<{ i: number; n: string }>(
    toCount
      .map((job, i) => `SELECT ${i} AS i, (SELECT count(*) FROM ${source(job.table)})::text AS n`)
      .join(' UNION ALL '),
  );
  for (const r of counts) toCount[Number(r.i)]!.sourceCount = Number(r.n);
}

/** Rows of `table` in the snapshot. */
export async function countRows(snapshot: Snapshot, table: SourceTable): Promise<number> {
  const [r] = await snapshot.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM ${source(table)}`,
  );
  return Number(r!.n);
}

/** Where and how extractJobs writes, and whom it tells. */
export interface ExtractTarget {
  dir: string;
  chunkBytes: number;
  push: (item: ChunkItem) => void;
  onStart: (job: TableJob) => void;
  /** Stops the extraction at its next slice of CSV once aborted (the loader failed, the run was aborted). */
  signal: AbortSignal;
  step: (name: string) => Promise<void>;
}

/** COPY every job's rows (and back-fills) into chunk files, announcing each file and table end. */
export async function extractJobs(
  snapshot: Snapshot,
  jobs: readonly TableJob[],
  target: ExtractTarget,
): Promise<void> {
  const { dir, chunkBytes, push, signal } = target;
  for (const job of jobs) {
    const copy = async (kind: 'rows' | 'backfill', sql: string) => {
      const writer = new CsvChunkWriter(dir, `${job.index}-${kind}`, chunkBytes, (chunk) => {
        signal.throwIfAborted();
        push({ job, kind, ...chunk });
      });
      try {
        // The abort is checked per slice, not only per chunk file: on PostgreSQL a big table's
        // COPY then stops within one socket read of it.
        const rows = await snapshot.copy(sql, (chunk) => {
          signal.throwIfAborted();
          writer.write(chunk);
        });
        writer.finish();
        return rows;
      } catch (e) {
        writer.discard();
        throw e;
      }
    };
    signal.throwIfAborted();
    target.onStart(job);
    let rowsRead: number;
    try {
      rowsRead =
        job.mode === 'incremental' && job.unchanged ? 0 : await copy('rows', rowsSelect(job));
      if (job.added.length) await copy('backfill', backfillSelect(job));
    } catch (e) {
      throw signal.aborted ? e : TableFailure.of(job.table.name, e);
    }
    push({ job, kind: 'end', rowsRead });
    await target.step(`extracted:${job.table.name}`);
  }
}

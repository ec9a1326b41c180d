/**
 * The DuckDB side of a run. Everything happens in ONE transaction on one connection — every
 * table's rows, hard deletes, the watermarks and the run record — so the warehouse moves from
 * one PostgreSQL snapshot to the next as a whole, and a process killed at any point leaves the
 * previous consistent state behind (DuckDB's WAL has no commit for the half-done work).
 *
 * Merging: changed rows land in a temp stage, then `DELETE … USING stage` + `INSERT`. The raw
 * tables carry no primary-key constraint: DuckDB's ART index costs memory on large tables and
 * DELETE+INSERT of one key in a transaction is where its constraint checks have been fragile.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { SourceTable } from './catalog.ts';
import { ident, literal } from './quote.ts';
import { loadExpression, type ColumnPlan } from './types.ts';

/**
 * read_csv's max_line_size for a file whose rows are all shorter: its default. A larger setting
 * costs on every file (~1.8× the parse time of a 16 MiB chunk at 64 MB, as DuckDB then splits the
 * file into fewer parallel scans, and it reserves a buffer of 16× the size), so it is raised only
 * for a file that holds a longer row (a big JSON document, say).
 */
const DEFAULT_MAX_LINE = 2 * 1024 * 1024;

/** One table's work in a run. */
export interface TableJob {
  /** Position in the run, which names the job's temp tables. */
  index: number;
  table: SourceTable;
  mode: 'full' | 'incremental';
  reason: string;
  /** Incremental: rows with updated_at ≥ this (previous watermark − safety lag), UTC text. */
  from?: string;
  /** Incremental: no row of the snapshot lies past `from`, so there is nothing to read. */
  unchanged?: boolean;
  /** Columns appended in PostgreSQL since the last run: ALTER ADD, then back-filled. */
  added: ColumnPlan[];
  /**
   * Incremental only: the row count the warehouse must have afterwards — counted in the snapshot,
   * or the previous run's when the table's statistics fingerprint shows no row added or removed
   * since (see fingerprint.ts).
   */
  sourceCount?: number;
  /**
   * Incremental only: the warehouse table's row count after the previous run. When this run
   * merges and deletes nothing, that is still its count, and asking DuckDB is skipped.
   */
  warehouseCount?: number;
  /** True when sourceCount is the previous run's: a mismatch is then counted before it is believed. */
  sourceCountInferred?: boolean;
  /** The table's statistics fingerprint in this snapshot, remembered for the next run. */
  fingerprint?: string;
  /**
   * The deletes table, incremental, when its statistics moved: remove its warehouse rows older
   * than every one of these times — PostgreSQL's oldest tombstone (the cleanup job pruned the
   * ones before it, ingest/tombstones.ts) and each table's start of hard deletes in this run.
   * None given: PostgreSQL holds no tombstone and no table reads one, so every row goes.
   */
  pruneBefore?: string[];
}

/** What finishing a table found. */
export interface FinishedTable {
  merged: number;
  deleted: number;
  rowCount: number;
  /** Incremental only: the warehouse count differs from the snapshot's, so reload in full. */
  mismatch: boolean;
}

const raw = (t: SourceTable) => `raw.${ident(t.name)}`;
const stage = (job: TableJob) => ident(`_ingest_stage_${job.index}`);
const backfill = (job: TableJob) => ident(`_ingest_backfill_${job.index}`);
const columnDefs = (cols: readonly ColumnPlan[]) =>
  cols.map((c) => `${ident(c.name)} ${c.duckType}`).join(', ');

/** `SELECT <typed columns> FROM read_csv(file)` for CSV produced by extract.ts. */
function readCsv(file: string, cols: readonly ColumnPlan[], longestRow: number): string {
  const fields = cols.map((c, i) => `${literal(`c${i}`)}: ${literal(c.csvType)}`).join(', ');
  const select = cols
    .map((c, i) => `${loadExpression(c, ident(`c${i}`))} AS ${ident(c.name)}`)
    .join(', ');
  // allow_quoted_nulls=false: PostgreSQL writes NULL as an empty field and '' as "".
  return (
    `SELECT ${select} FROM read_csv(${literal(file)}, header = false, auto_detect = false, ` +
    `delim = ',', quote = '"', escape = '"', allow_quoted_nulls = false, ` +
    `${lineSize(longestRow)}columns = {${fields}})`
  );
}

/** max_line_size (and a buffer to hold such a line) for rows up to `longestRow` bytes. */
function lineSize(longestRow: number): string {
  // A margin for however DuckDB counts a line end.
  const needed = longestRow + 16;
  if (needed <= DEFAULT_MAX_LINE) return `max_line_size = ${DEFAULT_MAX_LINE}, `;
  return `max_line_size = ${needed}, buffer_size = ${2 * needed}, `;
}

function keyJoin(keys: readonly string[], left: string, right: string): string {
  return keys.map((k) => `${left}.${ident(k)} = ${right}.${ident(k)}`).join(' AND ');
}

/**
 * Loads CSV chunks into the warehouse inside one transaction. One loader per run: it remembers
 * which temp tables exist and what deleted_rows holds, both only valid within the run.
 */
export class WarehouseLoader {
  /** Jobs whose stage / back-fill temp table exists (created with the first chunk). */
  private readonly staged = new Set<number>();
  private readonly backfilled = new Set<number>();
  /** Tables with rows in raw.deleted_rows since a given start, by start. */
  private readonly deleteCandidates = new Map<string, Promise<Set<string>>>();

  constructor(private readonly conn: DuckDBConnection) {}

  async begin(): Promise<void> {
    await this.conn.run('BEGIN');
  }

  async commit(): Promise<void> {
    await this.conn.run('COMMIT');
  }

  async rollback(): Promise<void> {
    await this.conn.run('ROLLBACK').catch(() => {});
  }

  /**
   * DDL before the first rows: (re)create for full, ALTER ADD for incremental. The incremental
   * temp tables wait for a first chunk: most tables of a run have none, and skipping their
   * CREATE/merge/DROP is half of what an unchanged incremental run costs.
   */
  async prepare(job: TableJob): Promise<void> {
    const t = job.table;
    if (job.mode === 'full') {
      await this.conn.run(`DROP TABLE IF EXISTS ${raw(t)}`);
      await this.conn.run(`CREATE TABLE ${raw(t)} (${columnDefs(t.columns)})`);
      return;
    }
    for (const c of job.added) {
      await this.conn.run(`ALTER TABLE ${raw(t)} ADD COLUMN ${ident(c.name)} ${c.duckType}`);
    }
  }

  /** Load one CSV chunk of the table's rows (or of its back-fill); returns rows loaded. */
  async loadFile(
    job: TableJob,
    kind: 'rows' | 'backfill',
    file: string,
    longestRow: number,
  ): Promise<number> {
    const cols = kind === 'rows' ? job.table.columns : backfillColumns(job);
    if (kind === 'backfill' && !this.backfilled.has(job.index)) {
      await this.conn.run(`CREATE TEMP TABLE ${backfill(job)} (${columnDefs(cols)})`);
      this.backfilled.add(job.index);
    } else if (kind === 'rows' && job.mode === 'incremental' && !this.staged.has(job.index)) {
      await this.conn.run(`CREATE TEMP TABLE ${stage(job)} (${columnDefs(cols)})`);
      this.staged.add(job.index);
    }
    const target =
      kind === 'backfill' ? backfill(job) : job.mode === 'full' ? raw(job.table) : stage(job);
    const r = await this.conn.run(`INSERT INTO ${target} ${readCsv(file, cols, longestRow)}`);
    return Number(r.rowsChanged);
  }

  /** Merge the stage, apply the back-fill and hard deletes, and count. */
  async finish(job: TableJob, deletesFrom: string | undefined): Promise<FinishedTable> {
    const t = job.table;
    let merged = 0;
    let deleted = 0;
    if (job.mode === 'incremental') {
      const keys = t.primaryKey;
      const staged = this.staged.delete(job.index);
      if (staged) {
        await this.conn.run(
          `DELETE FROM ${raw(t)} AS t USING ${stage(job)} AS s WHERE ${keyJoin(keys, 't', 's')}`,
        );
        merged = Number(
          (await this.conn.run(`INSERT INTO ${raw(t)} BY NAME SELECT * FROM ${stage(job)}`))
            .rowsChanged,
        );
      }
      // Before the stage goes: a key it holds exists in the snapshot, whatever deleted_rows says.
      if (deletesFrom !== undefined && (await this.hasDeletes(t.name, deletesFrom))) {
        deleted = await this.applyHardDeletes(job, deletesFrom, staged);
      }
      if (staged) await this.conn.run(`DROP TABLE ${stage(job)}`);
      if (job.pruneBefore) deleted += await this.pruneTombstones(job, job.pruneBefore);
      if (this.backfilled.delete(job.index)) {
        const sets = job.added.map((c) => `${ident(c.name)} = b.${ident(c.name)}`).join(', ');
        await this.conn.run(
          `UPDATE ${raw(t)} AS t SET ${sets} FROM ${backfill(job)} AS b WHERE ${keyJoin(keys, 't', 'b')}`,
        );
        await this.conn.run(`DROP TABLE ${backfill(job)}`);
      }
    }
    const untouched =
      job.mode === 'incremental' && merged === 0 && deleted === 0 && job.added.length === 0;
    const rowCount =
      untouched && job.warehouseCount !== undefined
        ? job.warehouseCount
        : Number(
            (
              await this.conn.runAndReadAll(`SELECT count(*) AS n FROM ${raw(t)}`)
            ).getRowObjects()[0]!.n,
          );
    return {
      merged,
      deleted,
      rowCount,
      mismatch: job.mode === 'incremental' && rowCount !== job.sourceCount,
    };
  }

  /**
   * Hard deletes, from `raw.deleted_rows` (already brought up to this snapshot earlier in the same
   * transaction): keys deleted since `from`. A key deleted and then inserted again must survive.
   * Comparing timestamps cannot tell those apart (PGlite's clock has millisecond resolution, so a
   * delete and a re-insert in one statement batch share a time); the stage can: every row present
   * in the snapshot and changed since `from` is in it, so a key found there was not deleted.
   */
  private async applyHardDeletes(job: TableJob, from: string, staged: boolean): Promise<number> {
    const t = job.table;
    const keys = t.primaryKey.map((k) => {
      const type = t.columns.find((c) => c.name === k)!.duckType;
      return `TRY_CAST(row_key ->> ${literal(k)} AS ${type}) AS ${ident(k)}`;
    });
    const r = await this.conn.run(`
      DELETE FROM ${raw(t)} AS t USING (
        SELECT DISTINCT ${keys.join(', ')}
        FROM raw.deleted_rows
        WHERE table_name = ${literal(t.name)} AND updated_at >= CAST(${literal(from)} AS TIMESTAMPTZ)
      ) AS d
      WHERE ${keyJoin(t.primaryKey, 't', 'd')}${
        staged
          ? ` AND NOT EXISTS (SELECT 1 FROM ${stage(job)} AS s WHERE ${keyJoin(t.primaryKey, 's', 'd')})`
          : ''
      }`);
    return Number(r.rowsChanged);
  }

  /**
   * Remove the warehouse's tombstones older than every time in `before`, so `raw.deleted_rows`
   * shrinks with PostgreSQL's (ingest/tombstones.ts) instead of growing forever, and its merged
   * count still equals the snapshot's — else the count check would reload it whole after every
   * prune. Runs while the deletes table is finished, before any other table reads it.
   */
  private async pruneTombstones(job: TableJob, before: readonly string[]): Promise<number> {
    const older = before.map((t) => `updated_at < CAST(${literal(t)} AS TIMESTAMPTZ)`);
    const r = await this.conn.run(
      `DELETE FROM ${raw(job.table)} WHERE ${older.length ? older.join(' AND ') : 'true'}`,
    );
    return Number(r.rowsChanged);
  }

  /**
   * Whether deleted_rows names `table` since `from`: one query per distinct start (in practice one
   * per run, as every table shares the watermark), asked only after deleted_rows itself has been
   * merged — it is the run's first job.
   */
  private async hasDeletes(table: string, from: string): Promise<boolean> {
    let tables = this.deleteCandidates.get(from);
    if (!tables) {
      tables = this.conn
        .runAndReadAll(
          `SELECT DISTINCT table_name FROM raw.deleted_rows
           WHERE updated_at >= CAST(${literal(from)} AS TIMESTAMPTZ)`,
        )
        .then((r) => new Set(r.getRowObjects().map((row) => String(row.table_name))));
      this.deleteCandidates.set(from, tables);
    }
    return (await tables).has(table);
  }
}

/** Key columns plus the added ones: what a back-fill reads. */
export function backfillColumns(job: TableJob): ColumnPlan[] {
  const keys = job.table.primaryKey.map((k) => job.table.columns.find((c) => c.name === k)!);
  return [...keys, ...job.added];
}

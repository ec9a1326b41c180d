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

/** Largest CSV row read_csv accepts (its default, 2 MB, is smaller than a big JSON document). */
const MAX_LINE_BYTES = 64 * 1024 * 1024;

/** One table's work in a run. */
export interface TableJob {
  /** Position in the run, which names the job's temp tables. */
  index: number;
  table: SourceTable;
  mode: 'full' | 'incremental';
  reason: string;
  /** Incremental: rows with updated_at ≥ this (previous watermark − safety lag), UTC text. */
  from?: string;
  /** Columns appended in PostgreSQL since the last run: ALTER ADD, then back-filled. */
  added: ColumnPlan[];
  /** Row count in the snapshot (incremental only): the warehouse must match it afterwards. */
  sourceCount?: number;
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
function readCsv(file: string, cols: readonly ColumnPlan[]): string {
  const fields = cols.map((c, i) => `${literal(`c${i}`)}: ${literal(c.csvType)}`).join(', ');
  const select = cols
    .map((c, i) => `${loadExpression(c, ident(`c${i}`))} AS ${ident(c.name)}`)
    .join(', ');
  // allow_quoted_nulls=false: PostgreSQL writes NULL as an empty field and '' as "".
  return (
    `SELECT ${select} FROM read_csv(${literal(file)}, header = false, auto_detect = false, ` +
    `delim = ',', quote = '"', escape = '"', allow_quoted_nulls = false, ` +
    `max_line_size = ${MAX_LINE_BYTES}, columns = {${fields}})`
  );
}

function keyJoin(keys: readonly string[], left: string, right: string): string {
  return keys.map((k) => `${left}.${ident(k)} = ${right}.${ident(k)}`).join(' AND ');
}

/** Loads CSV chunks into the warehouse inside one transaction. */
export class WarehouseLoader {
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

  /** DDL before the first rows: (re)create for full, ALTER ADD + stages for incremental. */
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
    await this.conn.run(`CREATE TEMP TABLE ${stage(job)} (${columnDefs(t.columns)})`);
    if (job.added.length) {
      await this.conn.run(
        `CREATE TEMP TABLE ${backfill(job)} (${columnDefs(backfillColumns(job))})`,
      );
    }
  }

  /** Load one CSV chunk of the table's rows (or of its back-fill); returns rows loaded. */
  async loadFile(job: TableJob, kind: 'rows' | 'backfill', file: string): Promise<number> {
    const cols = kind === 'rows' ? job.table.columns : backfillColumns(job);
    const target =
      kind === 'backfill' ? backfill(job) : job.mode === 'full' ? raw(job.table) : stage(job);
    const r = await this.conn.run(`INSERT INTO ${target} ${readCsv(file, cols)}`);
    return Number(r.rowsChanged);
  }

  /** Merge the stage, apply the back-fill and hard deletes, and count. */
  async finish(job: TableJob, deletesFrom: string | undefined): Promise<FinishedTable> {
    const t = job.table;
    let merged = 0;
    let deleted = 0;
    if (job.mode === 'incremental') {
      const keys = t.primaryKey;
      await this.conn.run(
        `DELETE FROM ${raw(t)} AS t USING ${stage(job)} AS s WHERE ${keyJoin(keys, 't', 's')}`,
      );
      merged = Number(
        (await this.conn.run(`INSERT INTO ${raw(t)} BY NAME SELECT * FROM ${stage(job)}`))
          .rowsChanged,
      );
      // Before the stage goes: a key it holds exists in the snapshot, whatever deleted_rows says.
      if (deletesFrom !== undefined) deleted = await this.applyHardDeletes(job, deletesFrom);
      await this.conn.run(`DROP TABLE ${stage(job)}`);
      if (job.added.length) {
        const sets = job.added.map((c) => `${ident(c.name)} = b.${ident(c.name)}`).join(', ');
        await this.conn.run(
          `UPDATE ${raw(t)} AS t SET ${sets} FROM ${backfill(job)} AS b WHERE ${keyJoin(keys, 't', 'b')}`,
        );
        await this.conn.run(`DROP TABLE ${backfill(job)}`);
      }
    }
    const count = await this.conn.runAndReadAll(`SELECT count(*) AS n FROM ${raw(t)}`);
    const rowCount = Number(count.getRowObjects()[0]!.n);
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
  private async applyHardDeletes(job: TableJob, from: string): Promise<number> {
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
      WHERE ${keyJoin(t.primaryKey, 't', 'd')}
        AND NOT EXISTS (SELECT 1 FROM ${stage(job)} AS s WHERE ${keyJoin(t.primaryKey, 's', 'd')})`);
    return Number(r.rowsChanged);
  }
}

/** Key columns plus the added ones: what a back-fill reads. */
export function backfillColumns(job: TableJob): ColumnPlan[] {
  const keys = job.table.primaryKey.map((k) => job.table.columns.find((c) => c.name === k)!);
  return [...keys, ...job.added];
}

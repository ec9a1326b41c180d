/**
 * The run log and watermarks, kept in the warehouse itself (`raw._ingest_runs`,
 * `raw._ingest_run_tables`, `raw._ingest_state`) so they commit in the same DuckDB transaction as
 * the data they describe: after a crash the watermark can never be ahead of the rows.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { StoredColumn } from './drift.ts';
import { literal } from './quote.ts';

/** What a run did to one table. */
export interface TableResult {
  table: string;
  mode: 'full' | 'incremental';
  /** Why this mode (first copy, --full, schema change, no primary key, …). */
  reason: string;
  status: 'succeeded' | 'failed' | 'rolled back';
  rowsRead: number;
  rowsMerged: number;
  rowsDeleted: number;
  /** Rows in the warehouse table afterwards. */
  rowCount: number | null;
  durationMs: number;
  /** The watermark this run leaves for the table (UTC text); null when it failed. */
  watermark: string | null;
  /** Notes worth a look: columns added, reconciliation, text-typed columns. */
  note?: string;
  error?: string;
}

/** The remembered state of one table. */
export interface TableState {
  table: string;
  watermark: string;
  columns: StoredColumn[];
  primaryKey: string[];
  /** Rows in the warehouse table after the last run (equal to the source's then). */
  rowCount: number | null;
  /** PostgreSQL's statistics fingerprint when it was last copied (see fingerprint.ts). */
  fingerprint: string | null;
  /** Columns the deny-list left out at the last run. */
  excluded: string[];
}

/** What _ingest_state remembers of a table's shape and source when a run commits it. */
export interface TableShape {
  /**
   * True when the table's stored row already holds exactly these columns, key and exclusions
   * (an incremental run without added columns), so only its counters need writing.
   */
  unchanged: boolean;
  columns: StoredColumn[];
  primaryKey: string[];
  excluded: string[];
  fingerprint: string | null;
}

/** The error of a run whose process stopped mid-way (killed, crashed, power lost). */
export const INTERRUPTED_ERROR =
  'the process stopped before the run finished; nothing of it was committed';

const DDL = `
  CREATE SCHEMA IF NOT EXISTS raw;
  CREATE TABLE IF NOT EXISTS raw._ingest_runs (
    run_id BIGINT NOT NULL, status VARCHAR NOT NULL, mode VARCHAR NOT NULL,
    requested_tables VARCHAR[], source VARCHAR, started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ, duration_ms BIGINT, snapshot_bound TIMESTAMPTZ,
    tables_copied INTEGER, rows_read BIGINT, rows_merged BIGINT, rows_deleted BIGINT,
    error VARCHAR, warnings VARCHAR[]);
  CREATE TABLE IF NOT EXISTS raw._ingest_run_tables (
    run_id BIGINT NOT NULL, table_name VARCHAR NOT NULL, mode VARCHAR, reason VARCHAR,
    status VARCHAR, rows_read BIGINT, rows_merged BIGINT, rows_deleted BIGINT, row_count BIGINT,
    duration_ms BIGINT, watermark TIMESTAMPTZ, note VARCHAR, error VARCHAR);
  CREATE TABLE IF NOT EXISTS raw._ingest_state (
    table_name VARCHAR NOT NULL, watermark TIMESTAMPTZ, columns JSON, primary_key VARCHAR[],
    excluded_columns VARCHAR[], last_run_id BIGINT, last_mode VARCHAR, rows_read BIGINT,
    rows_merged BIGINT, rows_deleted BIGINT, row_count BIGINT, duration_ms BIGINT,
    status VARCHAR, error VARCHAR, updated_at TIMESTAMPTZ, source_fingerprint VARCHAR);
  ALTER TABLE raw._ingest_state ADD COLUMN IF NOT EXISTS source_fingerprint VARCHAR;`;

/** Create the `raw` schema and the log tables if needed. */
export async function ensureLogTables(conn: DuckDBConnection): Promise<void> {
  await conn.run(DDL);
}

/**
 * Open a run record. Runs still marked 'running' are from a process that died (we hold the locks
 * now), so they become 'interrupted'.
 */
export async function openRunRecord(
  conn: DuckDBConnection,
  run: { mode: string; tables: readonly string[] | undefined; source: string },
): Promise<number> {
  await conn.run('BEGIN');
  try {
    await conn.run(
      `UPDATE raw._ingest_runs SET status = 'interrupted', error = $1 WHERE status = 'running'`,
      [INTERRUPTED_ERROR],
    );
    const r = await conn.runAndReadAll(
      `INSERT INTO raw._ingest_runs (run_id, status, mode, requested_tables, source, started_at)
       SELECT coalesce(max(run_id), 0) + 1, 'running', $1, CAST(CAST($2 AS JSON) AS VARCHAR[]),
              $3, CAST($4 AS TIMESTAMPTZ)
       FROM raw._ingest_runs
       RETURNING run_id`,
      [run.mode, JSON.stringify(run.tables ?? null), run.source, new Date().toISOString()],
    );
    const runId = Number(r.getRowObjects()[0]!.run_id);
    await conn.run('COMMIT');
    return runId;
  } catch (e) {
    await conn.run('ROLLBACK').catch(() => {});
    throw e;
  }
}

/** Remembered state per table. */
export async function readStates(conn: DuckDBConnection): Promise<Map<string, TableState>> {
  const r = await conn.runAndReadAll(`
    SELECT table_name, CAST(watermark AS VARCHAR) AS watermark, CAST(columns AS VARCHAR) AS columns,
           primary_key, excluded_columns, row_count, source_fingerprint
    FROM raw._ingest_state`);
  const states = new Map<string, TableState>();
  for (const row of r.getRowObjectsJson()) {
    states.set(String(row.table_name), {
      table: String(row.table_name),
      watermark: String(row.watermark),
      columns: JSON.parse(String(row.columns)) as StoredColumn[],
      primaryKey: (row.primary_key as string[] | null) ?? [],
      rowCount: row.row_count === null ? null : Number(row.row_count),
      fingerprint: row.source_fingerprint === null ? null : String(row.source_fingerprint),
      excluded: (row.excluded_columns as string[] | null) ?? [],
    });
  }
  return states;
}

/** Names of the tables that exist in the `raw` schema. */
export async function rawTables(conn: DuckDBConnection): Promise<Set<string>> {
  const r = await conn.runAndReadAll(
    `SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw' AND database_name = current_database()`,
  );
  return new Set(r.getRowObjects().map((row) => String(row.table_name)));
}

/**
 * Per-table rows of a run, and (for committed tables) their new state. Inside the caller's
 * transaction. One statement per log table rather than three per source table: an incremental
 * run that finds nothing changed is mostly this bookkeeping (27 tables: ~80 statements, ~110 ms).
 */
export async function recordTables(
  conn: DuckDBConnection,
  runId: number,
  results: readonly TableResult[],
  shapes: ReadonlyMap<string, TableShape>,
): Promise<void> {
  if (!results.length) return;
  const runRows = results.map((t) => [
    runId,
    t.table,
    t.mode,
    t.reason,
    t.status,
    t.rowsRead,
    t.rowsMerged,
    t.rowsDeleted,
    t.rowCount,
    t.durationMs,
    t.watermark,
    t.note ?? null,
    t.error ?? null,
  ]);
  await conn.run(
    `INSERT INTO raw._ingest_run_tables (run_id, table_name, mode, reason, status, rows_read,
       rows_merged, rows_deleted, row_count, duration_ms, watermark, note, error)
     VALUES ${valuesList(runRows, (p) => [...p.slice(0, 10), `CAST(${p[10]} AS TIMESTAMPTZ)`, ...p.slice(11)])}`,
  );

  const now = new Date().toISOString();
  const stateRows = results.flatMap((t) => {
    const shape = shapes.get(t.table);
    if (t.status !== 'succeeded' || !shape) return [];
    return [
      [
        t.table,
        t.watermark,
        JSON.stringify(shape.columns),
        JSON.stringify(shape.primaryKey),
        JSON.stringify(shape.excluded),
        runId,
        t.mode,
        t.rowsRead,
        t.rowsMerged,
        t.rowsDeleted,
        t.rowCount,
        t.durationMs,
        now,
        shape.fingerprint,
      ],
    ];
  });
  // A table whose shape this run did not change keeps its shape columns: a plain UPDATE of the
  // counters, without parsing 27 tables' column lists as JSON again on every incremental run.
  const same = stateRows.filter((r) => shapes.get(String(r[0]))!.unchanged);
  const reshaped = stateRows.filter((r) => !shapes.get(String(r[0]))!.unchanged);
  if (same.length) {
    await conn.run(
      `UPDATE raw._ingest_state AS s SET watermark = CAST(v.watermark AS TIMESTAMPTZ),
         last_run_id = v.last_run_id, last_mode = v.last_mode, rows_read = v.rows_read,
         rows_merged = v.rows_merged, rows_deleted = v.rows_deleted, row_count = v.row_count,
         duration_ms = v.duration_ms, status = 'succeeded', error = NULL,
         updated_at = CAST(v.updated_at AS TIMESTAMPTZ), source_fingerprint = v.fingerprint
       FROM (VALUES ${valuesList(same, (p) => [p[0]!, p[1]!, ...p.slice(5, 14)])})
         AS v(table_name, watermark, last_run_id, last_mode, rows_read, rows_merged, rows_deleted,
              row_count, duration_ms, updated_at, fingerprint)
       WHERE s.table_name = v.table_name`,
    );
  }
  if (!reshaped.length) return;
  await conn.run(
    `DELETE FROM raw._ingest_state WHERE table_name IN (${reshaped.map((r) => sqlValue(r[0]!)).join(', ')})`,
  );
  await conn.run(
    `INSERT INTO raw._ingest_state (table_name, watermark, columns, primary_key, excluded_columns,
       last_run_id, last_mode, rows_read, rows_merged, rows_deleted, row_count, duration_ms,
       status, error, updated_at, source_fingerprint)
     VALUES ${valuesList(reshaped, (p) => [
       p[0]!,
       `CAST(${p[1]} AS TIMESTAMPTZ)`,
       `CAST(${p[2]} AS JSON)`,
       `CAST(CAST(${p[3]} AS JSON) AS VARCHAR[])`,
       `CAST(CAST(${p[4]} AS JSON) AS VARCHAR[])`,
       ...p.slice(5, 12),
       `'succeeded'`,
       'NULL',
       `CAST(${p[12]} AS TIMESTAMPTZ)`,
       p[13]!,
     ])}`,
  );
}

type Param = string | number | null;

/** `(v, …), (v, …)` for `rows` as SQL literals, each shaped by `shape` (casts). Literals rather
 * than parameters: DuckDB binds a few hundred parameters slower than it parses the values. */
function valuesList(rows: readonly Param[][], shape: (values: string[]) => string[]): string {
  return rows.map((row) => `(${shape(row.map(sqlValue)).join(', ')})`).join(', ');
}

function sqlValue(v: Param): string {
  if (v === null) return 'NULL';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'NULL';
  // A NUL would end the statement text early in DuckDB's C API (error messages can hold one).
  return literal(v.replace(/\0/g, ''));
}

/** Close the run record (inside the data transaction on success, on its own after a failure). */
export async function closeRunRecord(
  conn: DuckDBConnection,
  runId: number,
  outcome: {
    status: 'succeeded' | 'failed' | 'interrupted';
    bound: string | null;
    results: readonly TableResult[];
    error?: string;
    warnings: readonly string[];
  },
): Promise<void> {
  const sum = (f: (t: TableResult) => number) =>
    outcome.results.filter((t) => t.status === 'succeeded').reduce((n, t) => n + f(t), 0);
  await conn.run(
    // now() would be the transaction's start in DuckDB, so the end time comes from here.
    `UPDATE raw._ingest_runs SET status = $2, finished_at = CAST($10 AS TIMESTAMPTZ),
       duration_ms = epoch_ms(CAST($10 AS TIMESTAMPTZ)) - epoch_ms(started_at),
       snapshot_bound = CAST($3 AS TIMESTAMPTZ), tables_copied = $4, rows_read = $5,
       rows_merged = $6, rows_deleted = $7, error = $8,
       warnings = CAST(CAST($9 AS JSON) AS VARCHAR[])
     WHERE run_id = $1`,
    [
      runId,
      outcome.status,
      outcome.bound,
      outcome.results.filter((t) => t.status === 'succeeded').length,
      sum((t) => t.rowsRead),
      sum((t) => t.rowsMerged),
      sum((t) => t.rowsDeleted),
      outcome.error ?? null,
      JSON.stringify(outcome.warnings),
      new Date().toISOString(),
    ],
  );
}

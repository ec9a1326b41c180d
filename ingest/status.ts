/**
 * Reading the run log back for `salesops ingest --status` and GET /api/v1/ingest/runs.
 * A warehouse that has never been ingested into simply has no runs.
 *
 * A run killed mid-way stays 'running' in the log until the next run marks it 'interrupted'
 * (openRunRecord). Only this process can be running one — DuckDB lets one process open the file —
 * so a 'running' row that no claim of this process holds is reported as 'interrupted' already.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Warehouse } from '../warehouse/duckdb.ts';
import { DEFAULT_TRUSTED_TIMEOUT_MS, withReadConnection } from '../warehouse/read/run.ts';
import { activeRun } from './lock.ts';
import { INTERRUPTED_ERROR } from './state.ts';

/** One table of one run. */
export interface RunTable {
  table: string;
  mode: string | null;
  reason: string | null;
  status: string | null;
  rowsRead: number | null;
  rowsMerged: number | null;
  rowsDeleted: number | null;
  rowCount: number | null;
  durationMs: number | null;
  watermark: string | null;
  note: string | null;
  error: string | null;
}

/** One run. */
export interface RunSummary {
  runId: number;
  status: string;
  mode: string;
  requestedTables: string[] | null;
  source: string | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  snapshotBound: string | null;
  tablesCopied: number | null;
  rowsRead: number | null;
  rowsMerged: number | null;
  rowsDeleted: number | null;
  error: string | null;
  warnings: string[];
  tables: RunTable[];
}

type Row = Record<string, unknown>;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
const iso = (v: unknown) =>
  v === null || v === undefined ? null : new Date(Number(v)).toISOString();

async function hasLog(conn: DuckDBConnection): Promise<boolean> {
  const r = await conn.runAndReadAll(`SELECT count(*) AS n FROM duckdb_tables()
    WHERE schema_name = 'raw' AND table_name IN ('_ingest_runs', '_ingest_run_tables')`);
  return Number(r.getRowObjects()[0]!.n) === 2;
}

/** Timestamps as epoch milliseconds, so JSON carries no DuckDB-specific format. */
const RUN_COLUMNS = `run_id, status, mode, requested_tables, source, epoch_ms(started_at) AS started_at,
  epoch_ms(finished_at) AS finished_at, duration_ms, epoch_ms(snapshot_bound) AS snapshot_bound,
  tables_copied, rows_read, rows_merged, rows_deleted, error, warnings`;

/** The latest runs, newest first, each with its tables; `runId` for one run only. */
export async function listRuns(
  warehouse: Warehouse,
  options: { limit?: number; runId?: number; beforeRunId?: number } = {},
): Promise<RunSummary[]> {
  // The claim is looked at before the log is read and again after: a run that commits (and
  // lets go) while we read, or one that starts and opens its record, is live either way.
  const claimBefore = activeRun(warehouse.path);
  // On the one read path (warehouse/read/run.ts): its own connection, a time limit.
  return withReadConnection(warehouse, DEFAULT_TRUSTED_TIMEOUT_MS, async (conn) => {
    if (!(await hasLog(conn))) return [];
    const where =
      options.runId !== undefined
        ? `WHERE run_id = ${Math.trunc(options.runId)}`
        : options.beforeRunId !== undefined // the next page of the newest-first log
          ? `WHERE run_id < ${Math.trunc(options.beforeRunId)}`
          : '';
    const runs = (
      await conn.runAndReadAll(
        `SELECT ${RUN_COLUMNS} FROM raw._ingest_runs ${where} ORDER BY run_id DESC LIMIT ${Math.trunc(options.limit ?? 20)}`,
      )
    ).getRowObjectsJson() as Row[];
    if (!runs.length) return [];
    const ids = runs.map((r) => Number(r.run_id));
    const tables = (
      await conn.runAndReadAll(`
        SELECT run_id, table_name, mode, reason, status, rows_read, rows_merged, rows_deleted,
               row_count, duration_ms, epoch_ms(watermark) AS watermark, note, error
        FROM raw._ingest_run_tables WHERE run_id IN (${ids.join(', ')})
        ORDER BY run_id, table_name`)
    ).getRowObjectsJson() as Row[];
    const claims = [claimBefore, activeRun(warehouse.path)];
    // A claim without a run id yet is opening its record: any 'running' row may be that one.
    const isLive = (runId: number) =>
      claims.some((claim) => !!claim && (claim.runId ?? runId) === runId);
    return runs.map((r) => ({
      runId: Number(r.run_id),
      ...liveStatus(r, isLive(Number(r.run_id))),
      mode: String(r.mode),
      requestedTables: (r.requested_tables as string[] | null) ?? null,
      source: str(r.source),
      startedAt: iso(r.started_at)!,
      finishedAt: iso(r.finished_at),
      durationMs: num(r.duration_ms),
      snapshotBound: iso(r.snapshot_bound),
      tablesCopied: num(r.tables_copied),
      rowsRead: num(r.rows_read),
      rowsMerged: num(r.rows_merged),
      rowsDeleted: num(r.rows_deleted),
      warnings: (r.warnings as string[] | null) ?? [],
      tables: tables.filter((t) => Number(t.run_id) === Number(r.run_id)).map(toRunTable),
    }));
  });
}

/** Status and error as reported: a 'running' row nobody runs is an interrupted run. */
function liveStatus(r: Row, live: boolean): { status: string; error: string | null } {
  if (r.status === 'running' && !live) return { status: 'interrupted', error: INTERRUPTED_ERROR };
  return { status: String(r.status), error: str(r.error) };
}

function toRunTable(t: Row): RunTable {
  return {
    table: String(t.table_name),
    mode: str(t.mode),
    reason: str(t.reason),
    status: str(t.status),
    rowsRead: num(t.rows_read),
    rowsMerged: num(t.rows_merged),
    rowsDeleted: num(t.rows_deleted),
    rowCount: num(t.row_count),
    durationMs: num(t.duration_ms),
    watermark: iso(t.watermark),
    note: str(t.note),
    error: str(t.error),
  };
}

/** What a run reports while it works (the CLI prints them; the API keeps the latest). */
import type { TableResult } from './state.ts';

/** Progress of an ingest run. */
export type IngestEvent =
  | { type: 'started'; runId: number; tables: string[] }
  | { type: 'table-started'; table: string; mode: 'full' | 'incremental'; reason: string }
  /** Rows loaded so far into the warehouse for `table` (after each chunk). */
  | { type: 'table-rows'; table: string; rows: number; elapsedMs: number }
  | { type: 'table-done'; result: TableResult }
  | { type: 'warning'; message: string };

/** Receives progress; must not throw. */
export type ProgressListener = (event: IngestEvent) => void;

/**
 * Progress of a run on the terminal (stderr, so stdout stays for results): a line per table that
 * did something — rows and rows/s — and, on a TTY, a live counter while a big table loads.
 */
import type { IngestEvent, ProgressListener } from './events.ts';
import type { TableResult } from './state.ts';

const LIVE_INTERVAL_MS = 250;
const n = (v: number) => v.toLocaleString('en-US');

/** Rows per second, or '' for runs too short to measure. */
function rate(rows: number, ms: number): string {
  return ms >= 1 && rows > 0 ? `${n(Math.round((rows * 1000) / ms))} rows/s` : '';
}

/** One finished table as a line. */
export function tableLine(t: TableResult, width = 26): string {
  const counts =
    t.mode === 'full'
      ? `${n(t.rowsRead)} rows`
      : `${n(t.rowsRead)} read, ${n(t.rowsMerged)} merged, ${n(t.rowsDeleted)} deleted`;
  const time = `${(t.durationMs / 1000).toFixed(2)} s`;
  return `  ${t.table.padEnd(width)} ${t.mode.padEnd(11)} ${counts.padEnd(38)} ${rate(t.rowsRead, t.durationMs).padEnd(18)} ${time}  ${t.reason}`;
}

/** A listener printing through `write` (one line per call, no newline needed). */
export function terminalProgress(
  write: (line: string) => void,
  live?: (text: string) => void,
): ProgressListener {
  let lastLive = 0;
  return (e: IngestEvent) => {
    switch (e.type) {
      case 'started':
        write(`ingest run #${e.runId}: ${e.tables.length} tables`);
        break;
      case 'warning':
        write(`  warning: ${e.message}`);
        break;
      case 'table-rows':
        if (live && Date.now() - lastLive >= LIVE_INTERVAL_MS) {
          lastLive = Date.now();
          live(`  ${e.table}: ${n(e.rows)} rows  ${rate(e.rows, e.elapsedMs)}`);
        }
        break;
      case 'table-done': {
        const t = e.result;
        // Unchanged tables of an incremental run are only counted, in the summary line.
        if (t.mode === 'full' || t.rowsRead || t.rowsDeleted) write(tableLine(t));
        break;
      }
      case 'table-started':
        break;
    }
  };
}

/** The closing line of a run, counting the unchanged tables the listener did not list. */
export function summaryLine(runId: number, tables: readonly TableResult[], ms: number): string {
  const sum = (f: (t: TableResult) => number) => tables.reduce((s, t) => s + f(t), 0);
  const unchanged = tables.filter((t) => t.mode === 'incremental' && !t.rowsRead && !t.rowsDeleted);
  return (
    `run #${runId} committed in ${(ms / 1000).toFixed(2)} s: ${tables.length} tables` +
    (unchanged.length ? ` (${unchanged.length} unchanged)` : '') +
    `, ${n(sum((t) => t.rowsRead))} rows read, ${n(sum((t) => t.rowsMerged))} merged, ` +
    `${n(sum((t) => t.rowsDeleted))} deleted`
  );
}

/**
 * One ingest run at a time. Within a process: this registry, keyed by warehouse file (the server's
 * scheduler and a POST /ingest/runs share one process). Across processes: the PostgreSQL advisory
 * lock taken in source.ts, and for the embedded database the data-folder lock. A second run is
 * refused at once rather than queued, so a scheduler never piles runs up behind a slow one.
 */
import path from 'node:path';
import { IngestBusyError } from './errors.ts';

/** The run holding a warehouse in this process. */
export interface ActiveRun {
  runId: number | undefined;
  startedAt: Date;
}

const active = new Map<string, ActiveRun>();

/** The run holding `warehousePath` in this process, if any. */
export function activeRun(warehousePath: string): ActiveRun | undefined {
  return active.get(path.resolve(warehousePath));
}

/** Claim `warehousePath` for a run; the returned function gives it back. */
export function claimWarehouse(warehousePath: string): { run: ActiveRun; release: () => void } {
  const key = path.resolve(warehousePath);
  const current = active.get(key);
  if (current) {
    throw new IngestBusyError(
      `an ingest run${current.runId ? ` (#${current.runId})` : ''} is already in progress on ` +
        `${key} since ${current.startedAt.toISOString()}; try again when it has finished`,
    );
  }
  const run: ActiveRun = { runId: undefined, startedAt: new Date() };
  active.set(key, run);
  return { run, release: () => void (active.get(key) === run && active.delete(key)) };
}

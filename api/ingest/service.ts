/**
 * Runs started through the API: in the background of the server process, which owns the
 * warehouse. Live progress of the current run is kept in memory here (the run log in the
 * warehouse only changes when the run commits).
 */
import type { AppContext } from '../../context.ts';
import { AppError } from '../errors.ts';
import { IngestBusyError, IngestRequestError } from '../../ingest/errors.ts';
import { runIngest } from '../../ingest/run.ts';
import { listRuns, type RunSummary } from '../../ingest/status.ts';
import type { Warehouse } from '../../warehouse/duckdb.ts';

interface LiveTable {
  table: string;
  rows: number;
  elapsedMs: number;
  done: boolean;
}

/** Progress of runs started here, by run id, until they end. */
const live = new Map<number, Map<string, LiveTable>>();

function requireWarehouse(ctx: AppContext): Warehouse {
  if (!ctx.warehouse) throw new AppError('unavailable', 'this process has no warehouse open');
  return ctx.warehouse;
}

/**
 * Start a run in the background; resolves with its id once it holds the locks and has planned
 * its tables. 409 when a run is in progress, 400 for tables that cannot be copied.
 */
export async function startIngestRun(
  ctx: AppContext,
  request: { full?: boolean; tables?: string[] },
): Promise<{ runId: number }> {
  const warehouse = requireWarehouse(ctx);
  return new Promise((resolve, reject) => {
    let runId: number | undefined;
    const run = runIngest(
      ctx.ops,
      warehouse,
      { tempDir: ctx.config.ingestTempDir, full: request.full, tables: request.tables },
      (e) => {
        if (e.type === 'started') {
          runId = e.runId;
          live.set(runId, new Map());
          resolve({ runId });
        } else if (runId !== undefined && (e.type === 'table-started' || e.type === 'table-rows')) {
          const t = live.get(runId)!;
          const prev = t.get(e.table);
          t.set(e.table, {
            table: e.table,
            rows: e.type === 'table-rows' ? e.rows : 0,
            elapsedMs: e.type === 'table-rows' ? e.elapsedMs : 0,
            done: prev?.done ?? false,
          });
        } else if (runId !== undefined && e.type === 'table-done') {
          const r = e.result;
          live.get(runId)!.set(r.table, {
            table: r.table,
            rows: r.rowsRead,
            elapsedMs: r.durationMs,
            done: true,
          });
        }
      },
    );
    run.then(
      (result) => {
        live.delete(result.runId);
        ctx.logger.info({ runId: result.runId, ms: result.durationMs }, 'ingest run finished');
      },
      (e: unknown) => {
        if (runId === undefined) {
          if (e instanceof IngestBusyError) reject(new AppError('conflict', e.message));
          else if (e instanceof IngestRequestError) reject(new AppError('bad_request', e.message));
          else reject(e);
          return;
        }
        live.delete(runId);
        ctx.logger.error({ runId, err: e }, 'ingest run failed');
      },
    );
  });
}

/** Recent runs (newest first), at most `limit`, older than `beforeRunId` when given. */
export function recentRuns(
  ctx: AppContext,
  page: { limit: number; beforeRunId?: number },
): Promise<RunSummary[]> {
  return listRuns(requireWarehouse(ctx), page);
}

/** One run, with live progress while it runs in this process. */
export async function oneRun(
  ctx: AppContext,
  runId: number,
): Promise<(RunSummary & { progress?: LiveTable[] }) | undefined> {
  const [run] = await listRuns(requireWarehouse(ctx), { runId, limit: 1 });
  if (!run) return undefined;
  const progress = live.get(runId);
  return progress && run.status === 'running' ? { ...run, progress: [...progress.values()] } : run;
}

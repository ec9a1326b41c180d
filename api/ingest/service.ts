/**
 * The warehouse's ingest run log (raw._ingest_runs), as the API serves it. Runs are started
 * through the job runtime (POST /ingest/runs queues an `ingest` job run), which keeps their live
 * progress: GET /jobs/runs/{id}.
 */
import type { AppContext } from '../../context.ts';
import { AppError } from '../errors.ts';
import { listRuns, type RunSummary } from '../../ingest/status.ts';
import type { Warehouse } from '../../warehouse/duckdb.ts';

function requireWarehouse(ctx: AppContext): Warehouse {
  if (!ctx.warehouse) throw new AppError('unavailable', 'this process has no warehouse open');
  return ctx.warehouse;
}

/** Recent runs (newest first), at most `limit`, older than `beforeRunId` when given. */
export function recentRuns(
  ctx: AppContext,
  page: { limit: number; beforeRunId?: number },
): Promise<RunSummary[]> {
  return listRuns(requireWarehouse(ctx), page);
}

/** One run of the log. */
export async function oneRun(ctx: AppContext, runId: number): Promise<RunSummary | undefined> {
  const [run] = await listRuns(requireWarehouse(ctx), { runId, limit: 1 });
  return run;
}

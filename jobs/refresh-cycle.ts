/**
 * One refresh cycle: ingest, then the build the ingest chains, then the segment run a build that
 * rebuilt the customer marts chains — each awaited to its end. The change-driven loop
 * (jobs/change-refresh.ts) runs it, and the first start through the runtime; that loop keeps the
 * staleness bookkeeping around it, this file only knows the order of the runs.
 */
import type { JobRunRecord, JobTrigger } from './types.ts';

/** What a cycle needs from the runtime: queue a run, wait for it, find the run it chained. */
export interface CycleRuns {
  request(name: string, trigger: JobTrigger): Promise<JobRunRecord | undefined>;
  wait(id: number): Promise<JobRunRecord | undefined>;
  chainedFrom(id: number): number | undefined;
}

/** The records of one cycle's runs; a run that never started (nothing chained it) is absent. */
export interface RefreshCycleRuns {
  ingest?: JobRunRecord;
  build?: JobRunRecord;
  segment?: JobRunRecord;
}

/** Queue an ingest and wait for it, the build it chains and the segment run that build chains. */
export async function runRefreshCycle(
  runs: CycleRuns,
  trigger: JobTrigger,
): Promise<RefreshCycleRuns> {
  const queued = await runs.request('ingest', trigger);
  const ingest = queued && (await runs.wait(queued.id));
  const chained = ingest && runs.chainedFrom(ingest.id);
  const build = chained !== undefined ? await runs.wait(chained) : undefined;
  // A build that rebuilt the customer marts queues `segment`: the cycle ends with it, so the
  // first start opens with scores.
  const chainedSegment = build && runs.chainedFrom(build.id);
  const segment = chainedSegment !== undefined ? await runs.wait(chainedSegment) : undefined;
  return { ingest, build, segment };
}

/**
 * Whether the cycle brought the warehouse up to date: its ingest and build ended well (or did not
 * run). The segment run's outcome does not make the warehouse stale.
 */
export function cycleCaughtUp({ ingest, build }: RefreshCycleRuns): boolean {
  const ok = (r?: JobRunRecord) => !r || r.status === 'succeeded' || r.status === 'skipped';
  return ok(ingest) && ok(build);
}

/**
 * The jobs area's rules over the runtime (jobs/runtime.ts): who may start which job, and what a
 * process without a runtime answers. A run asked for while another holds the warehouse is queued
 * behind it, never refused, so a CLI hand-off during a refresh cycle waits and then runs.
 */
import type { AppContext } from '../../context.ts';
import type { JobRuntime } from '../../jobs/runtime.ts';
import type { JobRunRecord } from '../../jobs/types.ts';
import type { Principal } from '../auth/principal.ts';
import { AppError } from '../errors.ts';

/** The runtime, or 503 in a process that runs no background work. */
export function requireJobs(ctx: AppContext): JobRuntime {
  if (!ctx.jobs) {
    throw new AppError('unavailable', 'this process runs no jobs (salesops start runs them)');
  }
  return ctx.jobs;
}

/**
 * 404 for a job that does not exist, 403 for one the caller may not start. Admins may start any
 * job; managers those that declare `managersMayRun` (ingest, build): the others (stock alerts,
 * follow-ups, cleanup) change data for everyone.
 */
export function assertMayStart(ctx: AppContext, job: string, principal: Principal): void {
  const def = requireJobs(ctx).definition(job); // UnknownJobError → 404
  if (principal.role !== 'admin' && !def.managersMayRun) {
    throw new AppError('forbidden', `role ${principal.role} may not start the ${job} job`);
  }
}

/** Queue a manual run of `job` with checked `params`; it starts when the warehouse is free. */
export async function queueRun(
  ctx: AppContext,
  job: string,
  params: Record<string, unknown>,
  principal: Principal,
): Promise<JobRunRecord> {
  assertMayStart(ctx, job, principal);
  const jobs = requireJobs(ctx);
  const run = await jobs.request(job, 'manual', params, { requestedByKeyId: principal.keyId });
  // Only a scheduled slot taken by another instance comes back empty; a manual run has none.
  if (!run) throw new Error(`the ${job} run was not queued`);
  return run;
}

/** One run, with its live progress; 404 naming the id when there is none. */
export async function findRun(ctx: AppContext, id: number): Promise<JobRunRecord> {
  const run = await requireJobs(ctx).get(id);
  if (!run)
    throw new AppError('not_found', `job run ${id} was not found`, { entity: 'job run', id });
  return run;
}

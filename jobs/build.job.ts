/**
 * `build`: the SQL models (models/engine). Queued by `ingest` with no parameters, it rebuilds
 * the models whose inputs changed since they were last published (jobs/staleness.ts) and skips
 * when there are none; asked for through POST /models/runs (or `salesops models …` handed to the
 * server) it runs the command and selection given. The project is read from models/ on every
 * run, so a model file a data team edits is picked up by the next build.
 */
import { loadProject } from '../models/engine/project.ts';
import { defaultVars, runProject, type RunOptions } from '../models/engine/runner.ts';
import { outcomeSummary } from '../models/engine/outcome-line.ts';
import { JobFailure } from './errors.ts';
import { CUSTOMER_MARTS } from './segment.job.ts';
import { modelsDue } from './staleness.ts';
import type { JobDefinition } from './types.ts';
import { requireWarehouse } from './warehouse.ts';

export interface BuildParams {
  command?: 'build' | 'run' | 'test';
  select?: string[];
  fullRefresh?: boolean;
}

export const buildJob: JobDefinition = {
  name: 'build',
  description: 'build and test the SQL models whose inputs changed (after each ingest)',
  defaultSchedule: null,
  resource: 'warehouse',
  managersMayRun: true,
  async run(ctx) {
    const warehouse = requireWarehouse(ctx.app);
    const params = ctx.params as BuildParams;
    const project = loadProject();
    let select = params.select ?? [];
    const command = params.command ?? 'build';
    if (!params.command) {
      const conn = await warehouse.connect();
      try {
        select = await modelsDue(conn, project);
      } finally {
        conn.closeSync();
      }
      if (select.length === 0) {
        return {
          status: 'skipped',
          modelsBuilt: 0,
          detail: { reason: 'no model reads a table that changed since its last build' },
        };
      }
      ctx.say(`build: ${select.length} of ${project.models.size} models to rebuild`);
    }
    const models: ReturnType<typeof outcomeSummary>[] = [];
    const options: RunOptions & { signal?: AbortSignal } = {
      command,
      select,
      fullRefresh: params.fullRefresh,
      vars: defaultVars(ctx.app.config.timezone),
      signal: ctx.signal,
      onModel: (o) => {
        models.push(outcomeSummary(o));
        ctx.progress({ command, models });
      },
    };
    const summary = await runProject(warehouse, project, options);
    const ok = summary.models.filter((m) => m.status === 'success').length;
    const outcome = {
      modelsBuilt: command === 'test' ? 0 : ok,
      modelRunId: summary.runId,
      detail: {
        command,
        select: params.select ?? select,
        models,
        freshness: summary.freshness.filter((f) => f.status !== 'pass'),
      },
    };
    ctx.say(
      `build ${summary.status === 'success' ? 'done' : 'FAILED'}: ${ok} of ${summary.models.length} models ok ` +
        `in ${(summary.durationMs / 1000).toFixed(1)} s`,
    );
    if (summary.status !== 'success') {
      const failed = summary.models.filter((m) => m.status === 'error').map((m) => m.model);
      const stale = summary.freshness.filter((f) => f.status === 'error').map((f) => f.message);
      throw new JobFailure(
        failed.length
          ? `model(s) failed: ${failed.join(', ')}; ${summary.models.find((m) => m.error)?.error ?? ''}`.trim()
          : `source freshness: ${stale.join('; ')}`,
        outcome,
      );
    }
    // A rebuilt customer mart makes a segmentation due; the segment job skips it when its
    // newest run already describes the same day (jobs/segment.job.ts).
    const customersChanged =
      command !== 'test' &&
      models.some((m) => m.status === 'success' && CUSTOMER_MARTS.includes(m.model));
    return customersChanged ? { ...outcome, next: { job: 'segment', params: {} } } : outcome;
  },
};

/**
 * `ingest`: copy the operational tables into the warehouse (ingest/run.ts), then queue `build`,
 * which rebuilds only the models whose inputs changed (and skips when none did). Change-driven
 * while the warehouse is stale, plus a schedule as the safety net for writes made outside the API
 * (psql, another tool), which no instance hears about.
 */
import { runIngest, type IngestOptions } from '../ingest/run.ts';
import { summaryLine, tableLine } from '../ingest/progress.ts';
import type { JobDefinition } from './types.ts';
import { requireWarehouse } from './warehouse.ts';

export const ingestJob: JobDefinition = {
  name: 'ingest',
  description: 'copy the operational tables into the warehouse, then build what changed',
  defaultSchedule: '*/15 * * * *',
  resource: 'warehouse',
  managersMayRun: true,
  async run(ctx) {
    const warehouse = requireWarehouse(ctx.app);
    const params = ctx.params as { full?: boolean; tables?: string[]; build?: boolean };
    const tables = new Map<string, { table: string; rows: number; done: boolean }>();
    let ingestRunId: number | undefined; // in every progress: a follower learns the run's id
    const options: IngestOptions & { signal?: AbortSignal } = {
      tempDir: ctx.app.config.ingestTempDir,
      full: params.full,
      tables: params.tables,
      signal: ctx.signal,
    };
    const result = await runIngest(ctx.app.ops, warehouse, options, (e) => {
      if (e.type === 'started') {
        ingestRunId = e.runId;
        ctx.progress({ ingestRunId, tables: [] });
        ctx.say(`ingest run #${e.runId}: ${e.tables.length} tables`);
        return;
      }
      if (e.type === 'table-rows')
        tables.set(e.table, { table: e.table, rows: e.rows, done: false });
      else if (e.type === 'table-done') {
        tables.set(e.result.table, { table: e.result.table, rows: e.result.rowsRead, done: true });
        const t = e.result;
        if (t.mode === 'full' || t.rowsRead || t.rowsDeleted) ctx.say(tableLine(t));
      } else if (e.type === 'warning') ctx.say(`  warning: ${e.message}`);
      else return;
      ctx.progress({ ingestRunId, tables: [...tables.values()] });
    });
    ctx.say(summaryLine(result.runId, result.tables, result.durationMs));
    const changed = result.tables
      .filter((t) => t.mode === 'full' || t.rowsMerged > 0 || t.rowsDeleted > 0)
      .map((t) => t.table);
    return {
      rows: result.tables.reduce((s, t) => s + t.rowsMerged, 0),
      ingestRunId: result.runId,
      detail: { changedTables: changed, warnings: result.warnings },
      next: params.build === false ? undefined : { job: 'build', params: {} },
    };
  },
};

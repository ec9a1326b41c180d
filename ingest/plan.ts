/**
 * Which tables a run copies and how: full or incremental, and why. Pure — it looks only at the
 * catalog of this snapshot and at what the warehouse remembers.
 */
import type { Catalog, SourceTable } from './catalog.ts';
import { detectDrift } from './drift.ts';
import { IngestRequestError } from './errors.ts';
import type { TableJob } from './loader.ts';
import type { TableState } from './state.ts';

/** The table whose rows record hard deletes (filled by a trigger on every table). */
export const DELETES_TABLE = 'deleted_rows';

/** The plan for one run, before the snapshot fills in `from` and `sourceCount`. */
export interface RunPlan {
  jobs: TableJob[];
  warnings: string[];
}

/**
 * Plan a run. `tables` limits it to those names (plus deleted_rows whenever a table is merged
 * incrementally, since hard deletes are read from it); `full` recopies everything named.
 */
export function planRun(
  catalog: Catalog,
  states: ReadonlyMap<string, TableState>,
  rawTables: ReadonlySet<string>,
  options: { full?: boolean; tables?: readonly string[] },
): RunPlan {
  const byName = new Map(catalog.tables.map((t) => [t.name, t]));
  const warnings: string[] = [];
  let selected = catalog.tables;
  if (options.tables?.length) {
    const problems = options.tables.flatMap((name) => {
      if (byName.has(name)) return [];
      const denial = catalog.denied.get(name);
      return [denial ? `${name} is never copied (${denial})` : `${name} is not a table`];
    });
    if (problems.length) {
      throw new IngestRequestError(
        `${problems.join('; ')}. Tables that can be copied: ${[...byName.keys()].join(', ')}`,
      );
    }
    selected = options.tables.map((name) => byName.get(name)!);
  }

  const jobs: TableJob[] = selected.map((table) => planTable(table, states, rawTables, options));
  const deletes = byName.get(DELETES_TABLE);
  if (deletes && jobs.some((j) => j.mode === 'incremental')) {
    // First, so the other tables' hard deletes see it up to this snapshot.
    const own = jobs.findIndex((j) => j.table.name === DELETES_TABLE);
    const job = own >= 0 ? jobs.splice(own, 1)[0]! : planTable(deletes, states, rawTables, {});
    jobs.unshift(job);
  }
  jobs.forEach((j, i) => (j.index = i));

  for (const job of jobs) {
    if (job.reason.startsWith('schema changed')) warnings.push(`${job.table.name}: ${job.reason}`);
    const text = job.table.columns.filter((c) => c.asText);
    if (text.length && job.mode === 'full') {
      warnings.push(
        `${job.table.name}: kept as text (no DuckDB type): ` +
          text.map((c) => `${c.name} ${c.pgType}`).join(', '),
      );
    }
  }
  return { jobs, warnings };
}

function planTable(
  table: SourceTable,
  states: ReadonlyMap<string, TableState>,
  rawTables: ReadonlySet<string>,
  options: { full?: boolean },
): TableJob {
  const full = (reason: string): TableJob => ({ index: 0, table, mode: 'full', reason, added: [] });
  const state = states.get(table.name);
  if (options.full) return full('--full');
  if (!state) return full('first copy');
  if (!rawTables.has(table.name)) return full('the warehouse table was missing');
  if (!table.hasUpdatedAt) return full('no updated_at column: copied whole each run');
  if (!table.primaryKey.length) return full('no primary key: copied whole each run');
  const drift = detectDrift(state.columns, state.primaryKey, table.columns, table.primaryKey);
  if (drift.kind === 'rebuild') return full(`schema changed: ${drift.reason}; rebuilt`);
  if (drift.kind === 'added') {
    return {
      index: 0,
      table,
      mode: 'incremental',
      reason: `columns added: ${drift.columns.map((c) => c.name).join(', ')}`,
      added: drift.columns,
    };
  }
  return { index: 0, table, mode: 'incremental', reason: 'changed rows', added: [] };
}

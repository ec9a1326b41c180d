/**
 * Source freshness: how old the newest row of a raw table is (now − max(loaded_at_field)),
 * against the hours set in sources.json. Stale data does not stop a build — yesterday's figures
 * rebuilt are still better than none — but an `error` makes the run end in error so a schedule
 * or CI notices that ingest has stopped.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows, relationKind } from './duck.ts';
import type { Project } from './project.ts';
import { quoteIdent } from './template.ts';

/** The freshness of one source table. */
export interface FreshnessOutcome {
  source: string;
  loadedAtField: string;
  /** ISO time of the newest row, null when the table is empty or missing. */
  maxLoadedAt: string | null;
  ageHours: number | null;
  status: 'pass' | 'warn' | 'error';
  message?: string;
}

/** Check the sources (ids like `raw.orders`) that have a freshness rule. */
export async function checkFreshness(
  conn: DuckDBConnection,
  project: Project,
  sourceIds: Iterable<string>,
): Promise<FreshnessOutcome[]> {
  const out: FreshnessOutcome[] = [];
  for (const id of [...new Set(sourceIds)].sort()) {
    const s = project.sources.get(id);
    const rule = s?.freshness;
    if (!s || !rule) continue;
    const base = { source: id, loadedAtField: rule.loadedAtField };
    if (!(await relationKind(conn, s.schema, s.table))) {
      out.push({
        ...base,
        maxLoadedAt: null,
        ageHours: null,
        status: 'error',
        message: `${id} does not exist in the warehouse (has ingest run?)`,
      });
      continue;
    }
    const [row] = await queryRows(
      conn,
      `SELECT strftime(max(${quoteIdent(rule.loadedAtField)}) AT TIME ZONE 'UTC',
                       '%Y-%m-%dT%H:%M:%S.%fZ') AS newest,
              epoch(now() - max(${quoteIdent(rule.loadedAtField)})) / 3600.0 AS age
       FROM ${quoteIdent(s.schema)}.${quoteIdent(s.table)}`,
    );
    const age = row?.age == null ? null : Number(row.age);
    let status: FreshnessOutcome['status'] = 'pass';
    let message: string | undefined;
    if (age === null) {
      status = 'warn';
      message = `${id} is empty`;
    } else if (rule.errorAfterHours !== undefined && age > rule.errorAfterHours) {
      status = 'error';
      message = `${id} is ${age.toFixed(1)} h old (error after ${rule.errorAfterHours} h)`;
    } else if (rule.warnAfterHours !== undefined && age > rule.warnAfterHours) {
      status = 'warn';
      message = `${id} is ${age.toFixed(1)} h old (warn after ${rule.warnAfterHours} h)`;
    }
    out.push({
      ...base,
      maxLoadedAt: (row?.newest as string | null) ?? null,
      ageHours: age,
      status,
      message,
    });
  }
  return out;
}

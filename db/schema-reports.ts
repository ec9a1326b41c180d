/**
 * Table types of the scheduled reports' images (db/migrations/0820_report_snapshots.ts). Beside
 * db/schema.ts, which lists them in `DB`.
 */
import type { ColumnType, Generated } from 'kysely';
import type { NullableStamp, Stamp } from './schema.ts';

/** One drawing of a report: the PNG and what it shows. */
export interface ReportSnapshotsTable {
  id: Generated<number>;
  report: string;
  title: string;
  dashboard: string;
  /** The filter values as the dashboard's URL takes them: `{from, to, team, rep, …}`. */
  filters: ColumnType<unknown, string, string>;
  png: Buffer;
  width: number;
  height: number;
  data_as_of: NullableStamp;
  job_run_id: number | null;
  created_at: Stamp;
}

/**
 * Table types of analysts' saved queries and query history (db/migrations/0600_sql_saved.ts).
 * Beside db/schema.ts, which lists them in `DB`.
 */
import type { ColumnType } from 'kysely';
import type { Id, Stamp, Timestamps } from './schema.ts';

/** A saved query: owned by a user, or by a machine key that belongs to no user. */
export interface SqlSavedQueriesTable extends Timestamps {
  id: Id;
  name: string;
  sql: string;
  description: ColumnType<string | null, string | null | undefined, string | null>;
  shared: ColumnType<boolean, boolean | undefined, boolean>;
  owner_user_id: number | null;
  owner_key_id: number | null;
}

/** One query run through POST /sql or a saved run, whatever its outcome. */
export interface SqlHistoryTable {
  id: Id;
  user_id: number | null;
  api_key_id: number | null;
  saved_query_id: number | null;
  sql: string;
  /** json, csv, arrow, parquet, or pgwire (the PostgreSQL wire protocol, sqlwire/). */
  format: string;
  started_at: Stamp;
  elapsed_ms: number;
  /** The HTTP status answered: 200, or the problem's (400 bad SQL, 408, 422, 429, …). */
  status: number;
  /** Rows answered; null when it failed. */
  row_count: number | null;
  /** Null when it failed, or when the format does not tell (Parquet). */
  truncated: boolean | null;
  /** The problem's detail when it failed: what the person was told, never a stack. */
  error: string | null;
}

/**
 * The operational database as the rest of the code sees it. Two implementations with the same
 * shape (db/postgres.ts, db/embedded.ts): both hand out a `pg` pool, so every query, transaction
 * and lock goes through identical pg/Kysely code. Only bulk COPY differs, because PGlite's socket
 * cannot take COPY FROM STDIN.
 */
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { DB } from './schema.ts';

export interface OperationalDb {
  readonly kind: 'postgres' | 'embedded';
  readonly pool: pg.Pool;
  readonly db: Kysely<DB>;
  /** Human-readable location for logs and `doctor` (never includes a password). */
  readonly description: string;
  /**
   * Bulk-load CSV into a table: `COPY table (cols) FROM … (FORMAT csv)`. Chunks are streamed on
   * PostgreSQL; on PGlite they are batched into in-memory blobs (its /dev/blob device).
   * Must not be called inside an open transaction on the pool.
   */
  copyFromCsv(
    table: string,
    columns: readonly string[],
    chunks: AsyncIterable<string> | Iterable<string>,
  ): Promise<void>;
  close(): Promise<void>;
}

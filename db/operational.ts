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
  /**
   * Bulk-read: `COPY (selectSql) TO STDOUT (FORMAT csv)`, handing the CSV to `sink` chunk by
   * chunk; resolves with the row count. `sink` is called synchronously and must consume each chunk
   * at once (e.g. fs.writeSync) without keeping it — the embedded database produces the whole
   * result in one synchronous burst and reuses its buffer, so this is what keeps memory flat.
   * Values are formatted by the session's settings (TimeZone, DateStyle).
   * PostgreSQL: runs on `client` when given (e.g. inside your REPEATABLE READ snapshot), else on a
   * pooled connection. Embedded: runs in PGlite's single session (in-process, no socket), i.e.
   * inside whatever transaction is open there — hold one on a pool client to pin a snapshot.
   */
  copyToCsv(
    selectSql: string,
    sink: (chunk: Uint8Array) => void,
    options?: { client?: pg.PoolClient },
  ): Promise<number>;
  close(): Promise<void>;
}

/**
 * The PostgreSQL side of a run: one connection holding the ingest lock and one REPEATABLE READ
 * transaction, so every table is read from the same snapshot (order lines never without their
 * order). On the embedded PGlite the COPYs run in-process in the same single session, i.e. in
 * that transaction too, while the socket server queues every other connection.
 */
import type pg from 'pg';
import type { OperationalDb } from '../db/operational.ts';
import { IngestBusyError } from './errors.ts';
import { readTableFingerprints } from './fingerprint.ts';

/** Advisory-lock key shared by every salesops process ingesting from one database. */
const LOCK_KEY_SQL = `hashtext('salesops.ingest')`;

/** UTC text with microseconds, which both PostgreSQL and DuckDB parse back exactly. */
export const utcText = (expr: string) =>
  `to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'`;

/** An open snapshot. */
export interface Snapshot {
  /**
   * Lower bound of what this snapshot may be missing: every row a later snapshot can see that
   * this one cannot has `updated_at` ≥ bound. It becomes the next watermark.
   */
  readonly bound: string;
  /** Per table, the statistics fingerprint read just before the snapshot (see fingerprint.ts). */
  readonly fingerprints: ReadonlyMap<string, string>;
  query<T>(sql: string): Promise<T[]>;
  /** COPY a SELECT as CSV into `sink` (synchronous, see OperationalDb.copyToCsv); row count. */
  copy(selectSql: string, sink: (chunk: Uint8Array) => void): Promise<number>;
  /** End the transaction and give the lock and connection back (again: no-op). */
  close(): Promise<void>;
  /** True once closed or abandoned: nothing more can be read from this snapshot. */
  readonly closed: boolean;
  /**
   * Stop at once (the run was aborted): destroy the connection, which ends a COPY in flight on
   * PostgreSQL and makes the server roll the transaction back (PGlite's socket server too).
   */
  abandon(reason: unknown): void;
}

/**
 * Take the cross-process ingest lock (PostgreSQL advisory lock; refused at once if held), then
 * open the snapshot. Throws IngestBusyError when another process is ingesting from this database.
 * `beforeBegin` runs on the run's connection just before the transaction starts.
 */
export async function openSnapshot(
  ops: OperationalDb,
  beforeBegin?: (query: <T>(sql: string) => Promise<T[]>) => Promise<void>,
): Promise<Snapshot> {
  const client = await ops.pool.connect();
  let locked = false;
  try {
    // PGlite has a single session, where an advisory lock excludes nobody; there the data-folder
    // lock and the in-process lock (lock.ts) already guarantee one run at a time.
    if (ops.kind === 'postgres') {
      const r = await client.query<{ ok: boolean }>(
        `SELECT pg_try_advisory_lock(${LOCK_KEY_SQL}) AS ok`,
      );
      if (!r.rows[0]?.ok) {
        throw new IngestBusyError(
          `another ingest run holds the lock on ${ops.description}; try again when it has finished`,
        );
      }
      locked = true;
    }
    const fingerprints = await readTableFingerprints(client, ops.kind);
    // Read before the snapshot is taken: a transaction in flight now may commit after our
    // snapshot, and its rows carry updated_at ≥ its start (the trigger uses clock_timestamp()).
    // Taking the oldest such start as the watermark makes the next run pick those rows up, however
    // late they commit. Sessions of other roles are invisible here without pg_read_all_stats: the
    // safety lag covers those.
    const b = await client.query<{ bound: string; pid: number }>(`
      SELECT ${utcText('least(clock_timestamp(), min(xact_start))')} AS bound,
             pg_backend_pid() AS pid
      FROM pg_stat_activity
      WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid() AND datname = current_database()`);
    await beforeBegin?.(async <T>(sql: string) => (await client.query(sql)).rows as T[]);
    // Session formats for COPY: what DuckDB's read_csv parses. LOCAL, because on PGlite the
    // session is everyone's. One message, one round trip (an incremental run that finds little
    // to do is mostly such fixed costs).
    await client.query(
      `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL TimeZone = 'UTC'; ` +
        `SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL extra_float_digits = 1`,
    );
    return snapshotOn(ops, client, b.rows[0]!, fingerprints, locked);
  } catch (e) {
    await discard(client, e as Error);
    throw e;
  }
}

function snapshotOn(
  ops: OperationalDb,
  client: pg.PoolClient,
  session: { bound: string; pid: number },
  fingerprints: ReadonlyMap<string, string>,
  locked: boolean,
): Snapshot {
  let failed: Error | undefined;
  let closed = false;
  let abandoned: Promise<void> | undefined;
  return {
    bound: session.bound,
    fingerprints,
    get closed() {
      return closed;
    },
    abandon(reason) {
      if (closed) return;
      closed = true;
      failed ??= reason instanceof Error ? reason : new Error(String(reason));
      client.release(failed);
      // Dropping the socket alone leaves a PostgreSQL backend that is waiting (for a lock, or
      // for its query to produce rows) running until it next writes, holding the advisory lock
      // and the snapshot meanwhile. Terminated from a second connection, it ends at once, and
      // the run's rejection comes after it. PGlite's socket server rolls back when the socket goes.
      abandoned =
        ops.kind === 'postgres'
          ? ops.pool.query('SELECT pg_terminate_backend($1)', [session.pid]).then(
              () => {},
              () => {},
            )
          : Promise.resolve();
    },
    async query<T>(sql: string) {
      try {
        return (await client.query(sql)).rows as T[];
      } catch (e) {
        failed ??= e as Error;
        throw e;
      }
    },
    async copy(selectSql, sink) {
      try {
        return await ops.copyToCsv(selectSql, sink, { client });
      } catch (e) {
        failed ??= e as Error;
        throw e;
      }
    },
    async close() {
      if (closed) return abandoned;
      closed = true;
      if (failed) return discard(client, failed);
      try {
        await client.query('COMMIT');
        if (locked) await client.query(`SELECT pg_advisory_unlock(${LOCK_KEY_SQL})`);
        client.release();
      } catch (e) {
        client.release(e as Error);
      }
    },
  };
}

/**
 * After a failure the connection may be mid-COPY, so it is destroyed rather than reused; the
 * session's end releases the advisory lock and the transaction with it. On PGlite destroying the
 * socket makes the server roll the transaction back.
 */
async function discard(client: pg.PoolClient, cause: Error): Promise<void> {
  client.release(cause);
}

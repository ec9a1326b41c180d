/**
 * The demo load as ONE transaction. A first start that is interrupted (Ctrl-C, a kill, a full
 * disk) then leaves the database empty, and the next start loads the demo again — instead of a
 * half-loaded database that `isEmptyForDemo` sees as "has data" and serves silently.
 *
 * Everything runs on one pooled connection: the statements through a Kysely bound to it, COPY on
 * it too (PostgreSQL: COPY FROM STDIN on that client). PGlite has a single backend session behind
 * its socket, so its blob COPY (`ops.copyFromCsv`, run in-process) lands in the transaction the
 * client opened — the socket queue keeps the turn with that client while it is open.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Kysely, PostgresDialect, type PostgresPool } from 'kysely';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyStatement } from '../copy-sql.ts';
import type { OperationalDb } from '../operational.ts';
import type { DB } from '../schema.ts';

/** What the loader sees while its transaction is open. */
export interface DemoTransaction {
  /** Kysely on the transaction's connection. */
  readonly db: Kysely<DB>;
  /** COPY CSV chunks into `table` inside the transaction; calls are run one after another. */
  copy(
    table: string,
    columns: readonly string[],
    chunks: AsyncIterable<string> | Iterable<string>,
  ): Promise<void>;
}

/** A pool of exactly the one client, so Kysely's queries share the open transaction. */
function poolOf(client: pg.PoolClient): PostgresPool {
  const shared = { query: client.query.bind(client), release: () => {} };
  return {
    connect: async () => shared as never,
    end: async () => {},
  };
}

/** Run `work` in one transaction; commit if it resolves, roll back (nothing kept) if it throws. */
export async function inDemoTransaction<T>(
  ops: OperationalDb,
  work: (tx: DemoTransaction) => Promise<T>,
): Promise<T> {
  const client = await ops.pool.connect();
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: poolOf(client) }) });
  const copyOnClient = async (
    table: string,
    columns: readonly string[],
    chunks: AsyncIterable<string> | Iterable<string>,
  ) => {
    const sink = client.query(copyFrom(copyStatement(table, columns)));
    await pipeline(Readable.from(chunks as AsyncIterable<string>), sink);
  };
  // One connection runs one statement at a time: queue the COPYs the loader overlaps.
  let queue: Promise<unknown> = Promise.resolve();
  const copy: DemoTransaction['copy'] = (table, columns, chunks) => {
    const run = queue.then(() =>
      ops.kind === 'postgres'
        ? copyOnClient(table, columns, chunks)
        : ops.copyFromCsv(table, columns, chunks),
    );
    queue = run.catch(() => {});
    return run;
  };
  let failure: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work({ db, copy });
    await queue;
    const done = await client.query('COMMIT');
    // PostgreSQL answers COMMIT with ROLLBACK when an earlier statement left it aborted.
    if (done.command === 'ROLLBACK') throw new Error('the demo transaction was rolled back');
    return result;
  } catch (e) {
    failure = e as Error;
    await queue.catch(() => {});
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    await db.destroy();
    // A connection abandoned mid-COPY cannot be reused: release(err) discards it.
    client.release(failure);
  }
}

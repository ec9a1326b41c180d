/** Real PostgreSQL (DATABASE_URL): a pg pool; COPY FROM streams through pg-copy-streams, COPY TO through pg-copy-to.ts. */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { OperationalDb } from './operational.ts';
import { pgTypes } from './pg-types.ts';
import type { DB } from './schema.ts';
import { copyStatement, describeConnectError } from './copy-sql.ts';
import { CopyToSink } from './pg-copy-to.ts';
import { preparingPool } from './prepared-pool.ts';

/** Open a pool on DATABASE_URL and check it answers; a failure names the host, not a trace. */
export async function openPostgres(
  url: string,
  options: { max?: number; prepared?: boolean } = {},
): Promise<OperationalDb> {
  const pool = new pg.Pool({
    connectionString: url,
    types: pgTypes,
    max: options.max ?? 20,
    connectionTimeoutMillis: 10_000,
  });
  pool.on('error', () => {
    /* idle client errors surface on the next query; do not crash the process */
  });
  const u = new URL(url);
  const description = `PostgreSQL ${u.hostname}:${u.port || 5432}${u.pathname}`;
  try {
    await pool.query('SELECT 1');
  } catch (e) {
    await pool.end().catch(() => {});
    throw describeConnectError(e, `DATABASE_URL (${description})`);
  }
  // Kysely's statements run as named prepared statements (see prepared-pool.ts) unless the
  // config says not to (SALESOPS_PG_PREPARED=false); the raw pool
  // (COPY, the ingest snapshot) is used as it is.
  const db = new Kysely<DB>({
    dialect: new PostgresDialect({
      pool: options.prepared === false ? pool : preparingPool(pool),
    }),
  });
  return {
    kind: 'postgres',
    pool,
    db,
    description,
    async copyFromCsv(table, columns, chunks) {
      const client = await pool.connect();
      try {
        const sink = client.query(copyFrom(copyStatement(table, columns)));
        await pipeline(Readable.from(chunks as AsyncIterable<string>), sink);
      } finally {
        client.release();
      }
    },
    async copyToCsv(selectSql, sink, options) {
      const client = options?.client ?? (await pool.connect());
      let failure: Error | undefined;
      try {
        const copy = new CopyToSink(`COPY (${selectSql}) TO STDOUT (FORMAT csv)`, sink);
        client.query(copy);
        return await copy.done;
      } catch (e) {
        failure = e as Error;
        throw e;
      } finally {
        // A connection abandoned mid-COPY cannot be reused: release(err) destroys it. A caller's
        // own client is the caller's to discard.
        if (!options?.client) client.release(failure);
      }
    },
    async close() {
      await db.destroy(); // ends the pool too
    },
  };
}

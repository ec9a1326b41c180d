/**
 * The embedded default: PGlite on a data folder, served on 127.0.0.1 (random port) by
 * pglite-socket, so the same pg/Kysely code runs as against PostgreSQL. PGlite runs one
 * transaction at a time; the socket server queues the other connections meanwhile.
 */
import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { pgliteCopyToCsv } from './copy-out.ts';
import { copyStatement } from './copy-sql.ts';
import { keepExtendedQueryTurns } from './pglite-queue.ts';
import type { OperationalDb } from './operational.ts';
import { pgTypes } from './pg-types.ts';
import type { DB } from './schema.ts';

/** Largest CSV batch handed to PGlite's /dev/blob at once, to bound memory. */
const BLOB_BATCH_BYTES = 32 * 1024 * 1024;

export interface EmbeddedDb extends OperationalDb {
  readonly kind: 'embedded';
  /** The in-process PGlite, for the few bulk paths the socket cannot carry (COPY FROM/TO blob). */
  readonly pglite: PGlite;
}

/** Open (creating if needed) the PGlite folder and serve it on a random loopback port. */
export async function openEmbedded(
  dir: string,
  options: { max?: number } = {},
): Promise<EmbeddedDb> {
  fs.mkdirSync(dir, { recursive: true });
  const pglite = await PGlite.create(dir);
  const server = new PGLiteSocketServer({
    db: pglite,
    host: '127.0.0.1',
    port: 0,
    maxConnections: 100,
  });
  keepExtendedQueryTurns(server);
  await server.start();
  const pool = new pg.Pool({
    connectionString: `postgres://postgres@${server.getServerConn()}/postgres`,
    types: pgTypes,
    max: options.max ?? 10,
  });
  pool.on('error', () => {
    /* surfaced on the next query */
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    kind: 'embedded',
    pool,
    db,
    pglite,
    description: `embedded PGlite at ${dir}`,
    async copyFromCsv(table, columns, chunks) {
      const statement = copyStatement(table, columns, `'/dev/blob'`);
      let batch: string[] = [];
      let size = 0;
      const flush = async () => {
        if (size === 0) return;
        await pglite.query(statement, [], { blob: new Blob(batch) });
        batch = [];
        size = 0;
      };
      for await (const chunk of chunks) {
        batch.push(chunk);
        size += chunk.length;
        if (size >= BLOB_BATCH_BYTES) await flush();
      }
      await flush();
    },
    copyToCsv: (selectSql, sink) => pgliteCopyToCsv(pglite, selectSql, sink),
    async close() {
      await db.destroy();
      await server.stop();
      await pglite.close();
    },
  };
}

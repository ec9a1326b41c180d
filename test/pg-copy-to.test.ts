/**
 * The lean COPY TO STDOUT reader (db/pg-copy-to.ts) against real PostgreSQL: the bytes must be
 * exactly what pg-copy-streams delivers, across rows cut by socket chunks, and a failure (in the
 * server or in the sink) must reject and leave the connection usable.
 */
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CopyToSink } from '../db/pg-copy-to.ts';
import { ADMIN_URL } from './support/postgres.ts';

/** Rows with quotes, commas, newlines, multi-byte text, NULLs and one 300 kB field. */
const SELECT = `
  SELECT g, CASE WHEN g % 7 = 0 THEN NULL ELSE 'a "q", ' || g || E'\\nline ü€' END AS t,
         CASE WHEN g = 500 THEN repeat('x', 300000) ELSE '' END AS big, g * 1.25 AS n
  FROM generate_series(1, 20000) g`;

async function viaLibrary(client: pg.Client, sql: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of client.query(copyTo(`COPY (${sql}) TO STDOUT (FORMAT csv)`))) {
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}

async function viaSink(client: pg.Client, sql: string): Promise<{ bytes: Buffer; rows: number }> {
  const parts: Buffer[] = [];
  const copy = new CopyToSink(`COPY (${sql}) TO STDOUT (FORMAT csv)`, (chunk) => {
    parts.push(Buffer.from(chunk)); // the slice is only valid during the call
  });
  client.query(copy);
  const rows = await copy.done;
  return { bytes: Buffer.concat(parts), rows };
}

describe.skipIf(!inject('pgAvailable'))('CopyToSink [postgres]', () => {
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: ADMIN_URL });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
  });

  it('delivers the same bytes and row count as pg-copy-streams', async () => {
    const expected = await viaLibrary(client, SELECT);
    const got = await viaSink(client, SELECT);
    expect(got.rows).toBe(20000);
    expect(got.bytes.length).toBe(expected.length);
    expect(got.bytes.equals(expected)).toBe(true);
    // The connection is back in pg's hands: an ordinary query works.
    expect((await client.query('SELECT 41 + 1 AS n')).rows[0].n).toBe(42);
  });

  it('an empty result is zero rows and no bytes', async () => {
    const got = await viaSink(client, 'SELECT 1 WHERE false');
    expect(got).toEqual({ bytes: Buffer.alloc(0), rows: 0 });
  });

  it('a server error mid-COPY rejects with it, and the connection stays usable', async () => {
    const failing = `SELECT g, repeat('y', 100), 1 / (g - 15000) FROM generate_series(1, 20000) g`;
    await expect(viaSink(client, failing)).rejects.toThrow(/division by zero/);
    expect((await client.query('SELECT 1 AS n')).rows[0].n).toBe(1);
  });

  it('a sink that throws rejects at once, and the connection is still usable after', async () => {
    let calls = 0;
    // Far more rows than socket chunks: the rejection must not wait for them.
    const big = `SELECT g, repeat('z', 200) FROM generate_series(1, 3000000) g`;
    const copy = new CopyToSink(`COPY (${big}) TO STDOUT (FORMAT csv)`, () => {
      if (++calls === 3) throw new Error('disk full');
    });
    client.query(copy);
    await expect(copy.done).rejects.toThrow('disk full');
    expect(calls).toBe(3);
    // Rejected while PostgreSQL is still producing the COPY (seen from another session)…
    const other = new pg.Client({ connectionString: ADMIN_URL });
    await other.connect();
    try {
      const r = await other.query<{ running: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
                        WHERE query LIKE 'COPY (SELECT g, repeat(''z''%' AND state = 'active')
           AS running`,
      );
      expect(r.rows[0]!.running).toBe(true);
    } finally {
      await other.end();
    }
    // …whose rest is drained in the background: the next query simply waits for it.
    expect((await client.query('SELECT 2 AS n')).rows[0].n).toBe(2);
  });
});

/**
 * Session commands over the wire (sqlwire/session-settings.ts): the SETs, SHOWs and BEGIN/COMMIT
 * that clients send on their own are answered without DuckDB — ParameterStatus on a change, the
 * transaction marker in ReadyForQuery, statement_timeout as the session's time limit, values the
 * server cannot honour refused with their SQLSTATE — and none of them is in the history. A SET
 * of anything else still reaches the guard and is refused (42501). Binary parameters of the
 * common types (psycopg's ints, dates; pgjdbc's prepared statements) come through as values.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import pg from 'pg';
import { describeBoth } from './support/harness.ts';
import { withConnection } from './support/raw-tables.ts';
import { pgClient, startWireEnv } from './support/sqlwire.ts';
import { RawWireClient, serialize, transcript } from './support/wire-raw.ts';

describeBoth('session commands over the wire', (kind) => {
  let w: Awaited<ReturnType<typeof startWireEnv>>;
  let raw: RawWireClient;
  const simple = async (sql: string) => transcript(await raw.talk(serialize.query(sql)));

  beforeAll(async () => {
    w = await startWireEnv(kind);
    await withConnection(w.env.warehouse, (c) =>
      c.run(`CREATE SCHEMA IF NOT EXISTS marts;
        CREATE TABLE marts.session_values (id INTEGER, amount DECIMAL(18,2), day DATE);
        INSERT INTO marts.session_values VALUES (1, 10.50, '2026-03-01'), (2, 99999.99, '2026-03-02');`),
    );
    raw = await RawWireClient.connect(w.wire, 'key', w.env.keys.analyst, {
      application_name: 'from-startup',
      TimeZone: 'Europe/Berlin',
      DateStyle: 'ISO',
    });
  });
  afterAll(async () => {
    raw?.close();
    await w?.close();
  });

  it('reports the startup parameters, with TimeZone kept at UTC', () => {
    const signIn = transcript(raw.signIn);
    expect(signIn).toContain('status application_name=from-startup');
    expect(signIn).toContain('status TimeZone=UTC');
    expect(signIn).toContain('status DateStyle=ISO, MDY');
    expect(signIn).toContain('status client_encoding=UTF8');
    expect(signIn.at(-1)).toBe('ready I');
  });

  it('answers SET with SET and a ParameterStatus, and SHOW with the value', async () => {
    expect(await simple("SET application_name = 'it''s mine'")).toEqual([
      "status application_name=it's mine",
      'complete SET',
      'ready I',
    ]);
    expect(await simple('SHOW application_name')).toEqual([
      'columns application_name',
      `row ["it's mine"]`,
      'complete SHOW',
      'ready I',
    ]);
    // Several in one simple query, as pgjdbc before 42.3 sent them.
    expect(await simple("SET extra_float_digits = 3;SET application_name = 'DBeaver'")).toEqual([
      'complete SET',
      'status application_name=DBeaver',
      'complete SET',
      'ready I',
    ]);
    expect(await simple('SET search_path TO marts, "ml"')).toEqual(['complete SET', 'ready I']);
    expect(await simple('SHOW search_path')).toContain('row ["marts, \\"ml\\""]');
    expect(await simple('SHOW TRANSACTION ISOLATION LEVEL')).toContain('row ["read committed"]');
    expect(await simple('show server_version')).toContain(
      'row ["15.0 (salesops, DuckDB warehouse)"]',
    );
    expect(await simple('SHOW standard_conforming_strings')).toContain('row ["on"]');
    expect(await simple('SHOW transaction_read_only')).toContain('row ["on"]');
    expect(await simple('RESET application_name')).toEqual([
      'status application_name=from-startup',
      'complete RESET',
      'ready I',
    ]);
  });

  it('accepts TimeZone with a notice that values stay in UTC', async () => {
    expect(await simple("SET TIME ZONE 'Europe/Berlin'")).toEqual([
      'notice NOTICE 01000',
      'status TimeZone=UTC',
      'complete SET',
      'ready I',
    ]);
    expect(await simple("SET TimeZone = 'UTC'")).toEqual([
      'status TimeZone=UTC',
      'complete SET',
      'ready I',
    ]);
    expect(await simple('SHOW TimeZone')).toContain('row ["UTC"]');
  });

  it('marks BEGIN … COMMIT in ReadyForQuery; a statement inside still reads', async () => {
    expect(await simple('BEGIN')).toEqual(['complete BEGIN', 'ready T']);
    expect(await simple('SELECT count(*) AS n FROM marts.session_values')).toEqual([
      'columns n',
      'row ["2"]',
      'complete SELECT 1',
      'ready T',
    ]);
    expect(await simple('COMMIT')).toEqual(['complete COMMIT', 'ready I']);
    expect(await simple('COMMIT')).toEqual(['notice WARNING 25P01', 'complete COMMIT', 'ready I']);
    expect(await simple('START TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY')).toEqual([
      'complete START TRANSACTION',
      'ready T',
    ]);
    expect(await simple('ROLLBACK')).toEqual(['complete ROLLBACK', 'ready I']);
    expect(await simple('SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY')).toEqual([
      'complete SET',
      'ready I',
    ]);
  });

  it('runs session commands in the extended protocol too (psycopg, JDBC)', async () => {
    expect(
      transcript(
        await raw.talk(
          serialize.parse({ text: 'BEGIN' }),
          serialize.describe({ type: 'S' }),
          serialize.bind({}),
          serialize.describe({ type: 'P' }),
          serialize.execute({}),
          serialize.parse({ text: 'SHOW search_path' }),
          serialize.bind({}),
          serialize.describe({ type: 'P' }),
          serialize.execute({}),
          serialize.sync(),
        ),
      ),
    ).toEqual([
      'parseComplete',
      'parameterDescription',
      'noData',
      'bindComplete',
      'noData',
      'complete BEGIN',
      'parseComplete',
      'bindComplete',
      'columns search_path',
      'row ["marts, \\"ml\\""]',
      'complete SHOW',
      'ready T',
    ]);
    expect(await simple('ROLLBACK')).toEqual(['complete ROLLBACK', 'ready I']);
  });

  it('refuses what it cannot honour, with the SQLSTATE, and SETs it does not know', async () => {
    expect(await simple("SET client_encoding = 'LATIN1'")).toEqual(['error 0A000', 'ready I']);
    expect(await simple("SET DateStyle = 'German'")).toEqual(['error 0A000', 'ready I']);
    expect(await simple("SET server_version = '9.6'")).toEqual(['error 55P02', 'ready I']);
    expect(await simple('SET extra_float_digits = 9')).toEqual(['error 22023', 'ready I']);
    expect(await simple('BEGIN READ WRITE')).toEqual(['error 25006', 'ready I']);
    expect(await simple("SET statement_timeout = '1h'")).toEqual(['error 22023', 'ready I']);
    expect(await simple('SET threads = 1')).toEqual(['error 42501', 'ready I']);
    expect(await simple("SET application_name = 'a'; SELECT 1")).toEqual([
      'error 42501',
      'ready I',
    ]);
    // SHOW of what is not a parameter is DuckDB's SHOW, as before.
    expect(await simple('SHOW TABLES FROM marts')).toContain('row ["session_values"]');
  });

  it('keeps session commands out of the history; a refused SET is in it', async () => {
    const rows = await w.env.ops.db
      .selectFrom('sql_history')
      .select(['sql', 'status'])
      .where('format', '=', 'pgwire')
      .execute();
    const texts = rows.map((r) => r.sql);
    expect(texts).not.toContain('BEGIN');
    expect(texts).not.toContain('SHOW search_path');
    // The one with application_name there is the two-statement query the guard refused.
    expect(texts.filter((t) => /application_name/.test(t))).toEqual([
      "SET application_name = 'a'; SELECT 1",
    ]);
    expect(rows).toContainEqual({ sql: 'SET threads = 1', status: 422 });
  });

  it('applies statement_timeout as the time limit of the session queries', async () => {
    const client: pg.Client = await pgClient(w.wire, 'key', w.env.keys.analyst);
    try {
      // Long enough for the guard's own queries (a limit that runs out between them is lost,
      // warehouse/read/run.ts), far shorter than the cross join (a minute and more).
      await client.query("SET statement_timeout = '1s'");
      expect((await client.query('SHOW statement_timeout')).rows).toEqual([
        { statement_timeout: '1000ms' },
      ]);
      const e = await client
        .query('SELECT sum(a.range * b.range) FROM range(100000) a, range(100000) b')
        .then(
          () => undefined,
          (err: pg.DatabaseError) => err,
        );
      expect(e?.code).toBe('57014');
      await client.query('SET statement_timeout = 0');
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
  });

  it('reads binary parameters of the common types', async () => {
    const int4 = Buffer.alloc(4);
    int4.writeInt32BE(1);
    // numeric 10.5: ndigits 2, weight 0, sign +, dscale 1, digits [10, 5000]
    const numeric = Buffer.from([0, 2, 0, 0, 0, 0, 0, 1, 0, 10, 0x13, 0x88]);
    const date = Buffer.alloc(4);
    date.writeInt32BE(9556); // 2026-03-01 is 9556 days after 2000-01-01
    const got = transcript(
      await raw.talk(
        serialize.parse({
          text: 'SELECT id, amount, $2::DECIMAL(18,2) AS echo, $3::DATE AS day FROM marts.session_values WHERE id = $1 AND amount = $2 AND day = $3',
          types: [23, 1700, 1082],
        }),
        serialize.bind({ values: [int4, numeric, date] }),
        serialize.describe({ type: 'P' }),
        serialize.execute({}),
        serialize.sync(),
      ),
    );
    expect(got).toEqual([
      'parseComplete',
      'bindComplete',
      'columns id,amount,echo,day',
      'row ["1","10.50","10.50","2026-03-01"]',
      'complete SELECT 1',
      'ready I',
    ]);
  });
});

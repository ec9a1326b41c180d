/**
 * The warehouse over the PostgreSQL wire protocol (sqlwire/), with real clients: psql prints the
 * rows of a query; node `pg` gets PostgreSQL's types (numeric exact as text, int8, timestamptz,
 * bool, date) over the simple protocol and the extended one (a parameterised DECIMAL comes back
 * exact, a named statement runs again, a portal is read some rows at a time by a hand-made
 * client); errors carry their SQLSTATE; every
 * statement leaves a row in the same history as POST /api/v1/sql.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import pg from 'pg';
import { describeBoth } from './support/harness.ts';
import { withConnection } from './support/raw-tables.ts';
import { pgClient, psql, startWireEnv } from './support/sqlwire.ts';
import { RawWireClient, serialize } from './support/wire-raw.ts';

describeBoth('SQL over the PostgreSQL wire protocol', (kind) => {
  let w: Awaited<ReturnType<typeof startWireEnv>>;
  let client: pg.Client;

  beforeAll(async () => {
    w = await startWireEnv(kind, { env: { SALESOPS_SQL_ROW_LIMIT: '1000' } });
    await withConnection(w.env.warehouse, (c) =>
      c.run(`CREATE SCHEMA IF NOT EXISTS marts;
        CREATE TABLE marts.wire_values (id INTEGER, amount DECIMAL(18,2), big HUGEINT, n BIGINT,
          ratio DOUBLE, ok BOOLEAN, day DATE, seen_at TIMESTAMPTZ, local_at TIMESTAMP,
          tags VARCHAR[], note VARCHAR);
        INSERT INTO marts.wire_values VALUES
          (1, 1234567.89, 170141183460469231731687303715884105727, 9007199254740993, 0.5, true,
           '2026-03-01', '2026-03-01 09:30:00+00', '2026-03-01 09:30:00.123456', ['a', 'b'], 'plain'),
          (2, -0.01, NULL, -1, NULL, false, NULL, NULL, NULL, [], 'ünïcode ✓'),
          (3, NULL, -5, NULL, 2, NULL, '1999-12-31', '2026-03-02 23:59:59.5+00', NULL, NULL, NULL);
        CREATE TABLE marts.wire_many AS SELECT range::INTEGER AS n FROM range(2500);`),
    );
    client = await pgClient(w.wire, 'key', w.env.keys.analyst);
  });
  afterAll(async () => {
    await client?.end();
    await w?.close();
  });

  it('psql -c prints the rows of a query', async () => {
    const r = await psql(w.wire, 'key', w.env.keys.analyst, [
      '-A',
      '-F',
      '|',
      '-c',
      'SELECT id, amount, big, seen_at, note FROM marts.wire_values ORDER BY id',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      'id|amount|big|seen_at|note',
      '1|1234567.89|170141183460469231731687303715884105727|2026-03-01 09:30:00.000+00|plain',
      '2|-0.01|||ünïcode ✓',
      '3||-5|2026-03-02 23:59:59.500+00|',
      '(3 rows)',
      '',
    ]);
  });

  it('sends PostgreSQL types: numeric exact, int8, float8, bool, date, timestamps', async () => {
    const r = await client.query('SELECT * FROM marts.wire_values ORDER BY id');
    const oids = Object.fromEntries(r.fields.map((f) => [f.name, f.dataTypeID]));
    expect(oids).toEqual({
      id: 23,
      amount: 1700,
      big: 1700,
      n: 20,
      ratio: 701,
      ok: 16,
      day: 1082,
      seen_at: 1184,
      local_at: 1114,
      tags: 25,
      note: 25,
    });
    const [first, second] = r.rows;
    expect(first).toMatchObject({
      id: 1,
      amount: '1234567.89',
      big: '170141183460469231731687303715884105727',
      n: '9007199254740993',
      ratio: 0.5,
      ok: true,
      tags: '["a","b"]',
      note: 'plain',
    });
    expect((first.seen_at as Date).toISOString()).toBe('2026-03-01T09:30:00.000Z');
    expect(second).toMatchObject({ amount: '-0.01', big: null, ok: false, tags: '[]' });
  });

  it('runs a parameterised query (extended protocol); a DECIMAL comes back exact', async () => {
    const r = await client.query(
      'SELECT id, amount, $2::DECIMAL(38,10) AS echo FROM marts.wire_values WHERE amount > $1 ORDER BY id',
      ['-1', '12345678901234567890.0123456789'],
    );
    expect(r.rows).toEqual([
      { id: 1, amount: '1234567.89', echo: '12345678901234567890.0123456789' },
      { id: 2, amount: '-0.01', echo: '12345678901234567890.0123456789' },
    ]);
    const none = await client.query('SELECT id FROM marts.wire_values WHERE note = $1', [null]);
    expect(none.rows).toEqual([]);
  });

  it('runs a named statement again with other values, and answers arrays of cells', async () => {
    for (const min of [10, 2000]) {
      const r = await client.query({
        name: 'above',
        text: 'SELECT count(*) AS c FROM marts.wire_many WHERE n >= $1',
        values: [min],
      });
      expect(r.rows).toEqual([{ c: String(2500 - min) }]);
    }
    const arrays = await client.query({
      text: 'SELECT n FROM marts.wire_many WHERE n < $1 ORDER BY n',
      values: [5],
      rowMode: 'array',
    });
    expect(arrays.rows).toEqual([[0], [1], [2], [3], [4]]);
  });

  it('reads a portal some rows at a time (Execute with a row count), and refuses binary', async () => {
    const raw = await RawWireClient.connect(w.wire, 'key', w.env.keys.analyst);
    try {
      const sql = 'SELECT n FROM marts.wire_many WHERE n < $1 ORDER BY n';
      expect(
        await raw.exchange(
          serialize.parse({ name: 'below', text: sql }),
          serialize.describe({ type: 'S', name: 'below' }),
          serialize.bind({ statement: 'below', portal: 'p', values: ['250'] }),
          serialize.execute({ portal: 'p', rows: 100 }),
          serialize.execute({ portal: 'p', rows: 100 }),
          serialize.execute({ portal: 'p', rows: 100 }),
          serialize.close({ type: 'P', name: 'p' }),
          serialize.sync(),
        ),
      ).toEqual([
        'parseComplete',
        'parameterDescription',
        'rowDescription',
        'bindComplete',
        'dataRow×100',
        'portalSuspended',
        'dataRow×100',
        'portalSuspended',
        'dataRow×50',
        'commandComplete SELECT 50',
        'closeComplete',
        'readyForQuery',
      ]);
      // Binary results asked for: refused, the rest skipped to Sync, and the connection goes on.
      expect(
        await raw.exchange(
          serialize.bind({ statement: 'below', values: ['3'], binary: true }),
          serialize.execute({}),
          serialize.sync(),
        ),
      ).toEqual(['error 0A000', 'readyForQuery']);
      expect(
        await raw.exchange(
          serialize.bind({ statement: 'below', values: ['3'] }),
          serialize.execute({}),
          serialize.sync(),
        ),
      ).toEqual(['bindComplete', 'dataRow×3', 'commandComplete SELECT 3', 'readyForQuery']);
    } finally {
      raw.close();
    }
  });

  it('cuts a result at the row limit and says so in a notice', async () => {
    const notices: string[] = [];
    client.on('notice', (n) => notices.push(n.message ?? ''));
    const r = await client.query('SELECT n FROM marts.wire_many');
    client.removeAllListeners('notice');
    expect(r.rowCount).toBe(1000);
    expect(notices).toEqual([expect.stringMatching(/cut at 1000 rows/)]);
  });

  it('answers errors with their SQLSTATE and the same words as the HTTP answer', async () => {
    const codeOf = async (sql: string, values?: unknown[]) => {
      const e = await client.query(sql, values).then(
        () => undefined,
        (err: pg.DatabaseError) => err,
      );
      return { code: e?.code, message: e?.message, position: e?.position };
    };
    expect(await codeOf('SELEC 1')).toMatchObject({ code: '42601', position: '1' });
    expect(await codeOf('SELECT * FROM marts.nowhere')).toMatchObject({
      code: '42P01',
      message: expect.stringMatching(/marts\.nowhere does not exist/),
    });
    expect(await codeOf('DROP TABLE marts.wire_values')).toMatchObject({
      code: '42501',
      message: expect.stringMatching(/DROP writes/),
    });
    expect(await codeOf('SELECT * FROM marts.wire_values WHERE id = $1', ['x'])).toMatchObject({
      code: expect.stringMatching(/^(22P02|22023)$/),
    });
    // The connection is still good after each.
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('records each statement in the query history, as pgwire', async () => {
    const marker = `SELECT 42 AS history_marker_${kind}`;
    await client.query(marker);
    await client.query('SELECT * FROM marts.nowhere_else').catch(() => undefined);
    const res = await w.env.request('GET', '/api/v1/sql/history?limit=50', { key: 'analyst' });
    expect(res.status).toBe(200);
    const mine = res.body.items.filter((h: { format: string }) => h.format === 'pgwire');
    expect(mine.find((h: { sql: string }) => h.sql === marker)).toMatchObject({
      status: 200,
      rowCount: 1,
      truncated: false,
    });
    expect(
      mine.find((h: { sql: string }) => h.sql === 'SELECT * FROM marts.nowhere_else'),
    ).toMatchObject({ status: 400, error: expect.stringMatching(/does not exist/) });
  });
});

/**
 * POST /api/v1/sql through the real app: every format carries the same values (DECIMAL exact,
 * NULLs, timestamps, lists, BIGINT past 2^53), the row cap and `truncated`, parameters, useful
 * errors with line and column, and who may run SQL at all.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC, util } from 'apache-arrow';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import { observeAnswer } from './support/observe.ts';
import { withConnection } from './support/raw-tables.ts';

const QUERY = 'SELECT * FROM marts.sql_values ORDER BY id';

/** The values every format must carry, as the JSON answer gives them. */
const EXPECTED_ROWS = [
  [
    '1',
    '1234567.89',
    '9007199254740993',
    '2026-03-01T09:30:00.000Z',
    '2026-03-01',
    ['a', 'b'],
    'plain',
    0.5,
  ],
  ['2', '-0.01', null, '2026-03-02T23:59:59.123456Z', null, [], '=cmd()', null],
  ['3', null, '-170141183460469231731687303715884105728', null, '1999-12-31', null, null, 2],
];

async function post(
  env: TestEnv,
  body: unknown,
  accept: string,
  key: string = 'analyst',
): Promise<Response> {
  const res = await fetch(`${env.baseUrl}/api/v1/sql`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${env.keys[key as 'analyst']}`,
      'content-type': 'application/json',
      accept,
    },
    body: JSON.stringify(body),
  });
  await observeAnswer('POST', `${env.baseUrl}/api/v1/sql`, res.clone());
  return res;
}

describeBoth('POST /api/v1/sql', (kind) => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await startTestEnv(kind);
    await withConnection(env.warehouse, async (c) => {
      await c.run(`CREATE SCHEMA IF NOT EXISTS marts;
        CREATE TABLE marts.sql_values (id BIGINT, amount DECIMAL(18,2), big HUGEINT,
          seen_at TIMESTAMPTZ, day DATE, tags VARCHAR[], note VARCHAR, ratio DOUBLE);
        INSERT INTO marts.sql_values VALUES
          (1, 1234567.89, 9007199254740993, '2026-03-01 09:30:00+00', '2026-03-01', ['a', 'b'], 'plain', 0.5),
          (2, -0.01, NULL, '2026-03-02 23:59:59.123456+00', NULL, [], '=cmd()', NULL),
          (3, NULL, -170141183460469231731687303715884105728, NULL, '1999-12-31', NULL, NULL, 2);
        CREATE TABLE marts.sql_many AS SELECT range AS n FROM range(25000);`);
    });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('answers JSON: typed columns, exact numbers as strings, ISO timestamps, lists, nulls', async () => {
    const res = await env.request('POST', '/api/v1/sql', { key: 'analyst', body: { sql: QUERY } });
    expect(res.status).toBe(200);
    expect(res.body.columns).toEqual([
      { name: 'id', type: 'BIGINT' },
      { name: 'amount', type: 'DECIMAL(18,2)' },
      { name: 'big', type: 'HUGEINT' },
      { name: 'seen_at', type: 'TIMESTAMP WITH TIME ZONE' },
      { name: 'day', type: 'DATE' },
      { name: 'tags', type: 'VARCHAR[]' },
      { name: 'note', type: 'VARCHAR' },
      { name: 'ratio', type: 'DOUBLE' },
    ]);
    expect(res.body.rows).toEqual(EXPECTED_ROWS);
    expect(res.body).toMatchObject({ rowCount: 3, truncated: false });
    expect(Number.isInteger(res.body.elapsedMs)).toBe(true);
  });

  it('answers CSV with the same values, text neutralised against formulas', async () => {
    const res = await post(env, { sql: QUERY }, 'text/csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect((await res.text()).split('\r\n')).toEqual([
      'id,amount,big,seen_at,day,tags,note,ratio',
      '1,1234567.89,9007199254740993,2026-03-01T09:30:00.000Z,2026-03-01,"[""a"",""b""]",plain,0.5',
      `2,-0.01,,2026-03-02T23:59:59.123456Z,,[],"'=cmd()",`,
      '3,,-170141183460469231731687303715884105728,,1999-12-31,,,2',
      '',
    ]);
  });

  it('answers an Arrow stream that tableFromIPC reads back to the same values', async () => {
    const res = await post(env, { sql: QUERY }, 'application/vnd.apache.arrow.stream');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.apache.arrow.stream');
    const table = tableFromIPC(new Uint8Array(await res.arrayBuffer()));
    expect(table.numRows).toBe(3);
    expect(table.schema.fields.map((f) => [f.name, f.metadata.get('duckdb.type')])).toEqual([
      ['id', 'BIGINT'],
      ['amount', 'DECIMAL(18,2)'],
      ['big', 'HUGEINT'],
      ['seen_at', 'TIMESTAMP WITH TIME ZONE'],
      ['day', 'DATE'],
      ['tags', 'VARCHAR[]'],
      ['note', 'VARCHAR'],
      ['ratio', 'DOUBLE'],
    ]);
    const col = (name: string) => table.getChild(name)!;
    expect(col('id').toArray()).toEqual(new BigInt64Array([1n, 2n, 3n]));
    // Decimal128: the unscaled integer, scale 2 from the type.
    const amounts = [0, 1, 2].map((i) => {
      const v = col('amount').get(i);
      return v === null ? null : util.bigNumToString(v);
    });
    expect(amounts).toEqual(['123456789', '-1', null]);
    expect((col('amount').type as { scale: number }).scale).toBe(2);
    expect([0, 1, 2].map((i) => col('big').get(i))).toEqual(EXPECTED_ROWS.map((r) => r[2]));
    // Timestamp(µs, UTC): the raw microseconds are exact.
    const at = col('seen_at').data[0]!;
    expect((at.type as { timezone: string }).timezone).toBe('UTC');
    expect(at.values[1]).toBe(BigInt(Date.parse('2026-03-02T23:59:59.123Z')) * 1000n + 456n);
    expect(col('seen_at').get(2)).toBeNull();
    expect([0, 1, 2].map((i) => col('day').get(i))).toEqual([
      Date.parse('2026-03-01'),
      null,
      Date.parse('1999-12-31'),
    ]);
    expect([0, 1, 2].map((i) => col('tags').get(i)?.toArray() ?? null)).toEqual([
      ['a', 'b'],
      [],
      null,
    ]);
    expect(col('note').toArray()).toEqual(['plain', '=cmd()', null]);
    expect([0, 1, 2].map((i) => col('ratio').get(i))).toEqual([0.5, null, 2]);
  });

  it('answers Parquet that another DuckDB reads back to the same values, and leaves no file', async () => {
    const res = await post(env, { sql: QUERY }, 'application/vnd.apache.parquet');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    expect(res.headers.get('x-row-count')).toBe('3');
    const file = path.join(env.config.dataDir, 'back.parquet');
    fs.writeFileSync(file, new Uint8Array(await res.arrayBuffer()));
    expect(fs.readdirSync(env.config.exportDir)).toEqual([]);
    const other = await DuckDBInstance.create(':memory:');
    const conn = await other.connect();
    try {
      const back = await conn.runAndReadAll(
        `SELECT id, amount::VARCHAR AS amount, big::VARCHAR AS big,
                strftime(seen_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ') AS seen_at, day::VARCHAR AS day,
                tags, note, ratio, typeof(amount) AS amount_type
         FROM read_parquet('${file}') ORDER BY id`,
      );
      const rows = back.getRowsJson();
      expect(rows.map((r) => r.slice(0, 3))).toEqual(EXPECTED_ROWS.map((r) => r.slice(0, 3)));
      expect(rows.map((r) => r[3])).toEqual([
        '2026-03-01T09:30:00.000000Z',
        '2026-03-02T23:59:59.123456Z',
        null,
      ]);
      expect(rows.map((r) => r.slice(4, 8))).toEqual(EXPECTED_ROWS.map((r) => r.slice(4, 8)));
      expect(rows[0]![8]).toBe('DECIMAL(18,2)');
    } finally {
      conn.closeSync();
      other.closeSync();
    }
  });

  it('caps rows at limit (default 10,000) and says truncated', async () => {
    const all = await env.request('POST', '/api/v1/sql', {
      key: 'analyst',
      body: { sql: 'SELECT n FROM marts.sql_many ORDER BY n' },
    });
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ rowCount: 10_000, truncated: true });
    expect(all.body.rows).toHaveLength(10_000);
    expect(all.body.rows.at(-1)).toEqual(['9999']);
    const some = await env.request('POST', '/api/v1/sql', {
      key: 'analyst',
      body: { sql: 'SELECT n FROM marts.sql_many WHERE n < 5 ORDER BY n', limit: 5 },
    });
    expect(some.body).toMatchObject({ rowCount: 5, truncated: false });
    const cut = await env.request('POST', '/api/v1/sql', {
      key: 'analyst',
      body: { sql: 'SELECT n FROM marts.sql_many WHERE n < 6 ORDER BY n', limit: 5 },
    });
    expect(cut.body).toMatchObject({ rowCount: 5, truncated: true });
    const csv = await post(env, { sql: 'SELECT n FROM marts.sql_many', limit: 7 }, 'text/csv');
    expect((await csv.text()).trim().split('\r\n')).toHaveLength(8);
    expect(csv.headers.get('x-truncated')).toBe('true');
  });

  it('binds positional and named parameters, never pasting them into the text', async () => {
    const positional = await env.request('POST', '/api/v1/sql', {
      key: 'analyst',
      body: {
        sql: 'SELECT note FROM marts.sql_values WHERE id = ? OR note = ?',
        params: [3, "x' OR 1=1 --"],
      },
    });
    expect(positional.body.rows).toEqual([[null]]);
    const named = await env.request('POST', '/api/v1/sql', {
      key: 'analyst',
      body: {
        sql: 'SELECT $a::DECIMAL(18,2) + amount AS s FROM marts.sql_values WHERE id = $id',
        params: { a: '0.01', id: 1 },
      },
    });
    expect(named.body.rows).toEqual([['1234567.90']]);
    const missing = await env.request('POST', '/api/v1/sql', {
      key: 'analyst',
      body: { sql: 'SELECT ? AS a, ? AS b', params: [1] },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].field).toBe('params');
  });

  it('answers 400 with DuckDB message, line and column for bad SQL', async () => {
    const typo = await env.request('POST', '/api/v1/sql', {
      key: 'analyst',
      body: { sql: 'SELECT id\nFROM marts.sql_values\nWHERE id = = 1' },
    });
    expect(typo.status).toBe(400);
    expect(typo.headers.get('content-type')).toMatch(/problem\+json/);
    expect(typo.body).toMatchObject({ line: 3, column: 12 });
    expect(typo.body.detail).toMatch(/^sql \(line 3, column 12\): .*syntax error/);
    const unknown = await env.request('POST', '/api/v1/sql', {
      key: 'analyst',
      body: { sql: 'SELECT id,\n  nope FROM marts.sql_values' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ line: 2, column: 3 });
    expect(unknown.body.detail).toMatch(/nope/);
    const empty = await env.request('POST', '/api/v1/sql', { key: 'analyst', body: { sql: ' ' } });
    expect(empty.status).toBe(400);
    expect(empty.body.errors[0].field).toBe('sql');
  });

  it('lets analysts and admins run SQL; staff, managers and executives get 403', async () => {
    for (const key of ['analyst', 'admin'] as const) {
      const r = await env.request('POST', '/api/v1/sql', { key, body: { sql: 'SELECT 1 AS one' } });
      expect(r.status, key).toBe(200);
    }
    for (const key of ['staff', 'manager', 'executive'] as const) {
      const r = await env.request('POST', '/api/v1/sql', { key, body: { sql: 'SELECT 1 AS one' } });
      expect(r.status, key).toBe(403);
    }
    expect(
      (await env.request('POST', '/api/v1/sql', { key: null, body: { sql: 'SELECT 1' } })).status,
    ).toBe(401);
  });

  it('caps timeoutMs per role and refuses an Accept it cannot answer', async () => {
    const long = await env.request('POST', '/api/v1/sql', {
      key: 'analyst',
      body: { sql: 'SELECT 1', timeoutMs: 600_000 },
    });
    expect(long.status).toBe(400);
    expect(long.body.errors[0]).toMatchObject({ field: 'timeoutMs' });
    const admin = await env.request('POST', '/api/v1/sql', {
      key: 'admin',
      body: { sql: 'SELECT 1', timeoutMs: 600_000 },
    });
    expect(admin.status).toBe(200);
    const xml = await post(env, { sql: 'SELECT 1' }, 'application/xml');
    expect(xml.status).toBe(406);
  });
});

/**
 * The answers' two ways of reading a column agree. Arrow: for every type arrow-vectors.ts copies
 * from DuckDB's vectors, the bytes of the IPC stream equal those built from DuckDB values (the
 * path every type can take, and the one api/sql's round-trip tests first proved). JSON (and the
 * CSV made from it): json-columns.ts's cells from vectors equal jsonCell of each value. Real DuckDB
 * chunks, streamed as POST /sql reads them: a filter leaves chunks of odd sizes (validity bits
 * that do not start on a byte), NULLs in changing places, strings inline (≤ 12 bytes) and not,
 * every DECIMAL storage width, the extremes, and a cut inside a chunk as the row cap makes;
 * long strings that lie end to end in DuckDB's heap (read by runs) and one that every row
 * points to (read one by one).
 */
import fs from 'node:fs';
import { DuckDBInstance, type DuckDBConnection, type DuckDBDataChunk } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrowStreamOf, toArrowStream, valueColumn, vectorColumn } from '../api/sql/arrow.ts';
import { jsonRows, valueJsonColumn, vectorJsonColumn } from '../api/sql/json-columns.ts';
import type { SqlResult } from '../api/sql/service.ts';

/** A package.json's dependencies, from the repository root. */
function dependenciesOf(file: string): Record<string, string> {
  const text = fs.readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
  return (JSON.parse(text) as { dependencies: Record<string, string> }).dependencies;
}

/** A column per type the vector path takes, NULL in a different pattern in each. */
const TYPED = `
  SELECT i,
    CASE WHEN i % 5 = 0 THEN NULL ELSE i % 2 = 0 END AS flag,
    CASE WHEN i % 6 = 0 THEN NULL ELSE (i % 256 - 128)::TINYINT END AS tiny,
    CASE WHEN i % 7 = 0 THEN NULL ELSE (i * 7 % 65536 - 32768)::SMALLINT END AS small,
    (i * 40503 - 2000000000)::INTEGER AS int,
    CASE WHEN i % 11 = 0 THEN NULL ELSE (i * 1000003)::BIGINT * (CASE WHEN i % 2 = 0 THEN -1 ELSE 1 END) END AS big,
    (i % 256)::UTINYINT AS utiny, (i % 65536)::USMALLINT AS usmall,
    (i * 2654435761 % 4294967296)::UINTEGER AS uint, (i * 11400714819323198485 % 18446744073709551616)::UBIGINT AS ubig,
    CASE WHEN i % 13 = 0 THEN NULL ELSE (i / 3.0)::FLOAT END AS f32,
    CASE WHEN i % 3 = 0 THEN NULL ELSE i / 7.0 - 300 END AS f64,
    CASE WHEN i % 4 = 0 THEN NULL ELSE (i % 1999 - 999) / 10 END::DECIMAL(4,1) AS d4,
    ((i * 7919 % 1999999999) - 999999999)::DECIMAL(9,0) / 1000 AS d9,
    CASE WHEN i % 9 = 0 THEN NULL ELSE (i * 1.25 - 2000)::DECIMAL(18,2) END AS d18,
    CASE WHEN i % 8 = 1 THEN NULL ELSE (i::HUGEINT * -1234567890123456789012345 / 7)::DECIMAL(38,10) END AS d38,
    CASE WHEN i % 10 = 0 THEN NULL ELSE DATE '1969-12-25' + i::INTEGER END AS day,
    TIMESTAMP '1960-01-01 00:00:00' + to_microseconds(i * 98765432) AS ts,
    CASE WHEN i % 7 = 3 THEN NULL ELSE TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(i) END AS tstz,
    (TIMESTAMP '2000-01-01' + to_milliseconds(i))::TIMESTAMP_MS AS tsms,
    (TIMESTAMP '2000-01-01' + to_seconds(i))::TIMESTAMP_S AS tss,
    (TIMESTAMP '2000-01-01' + to_microseconds(i))::TIMESTAMP_NS AS tsns,
    CASE WHEN i % 7 = 0 THEN NULL WHEN i % 7 = 1 THEN '' WHEN i % 7 = 2 THEN 'short ' || i
         WHEN i % 7 = 3 THEN 'exactly12chr' WHEN i % 7 = 4 THEN 'ünïcödé → ' || i || ' 🦆'
         ELSE repeat('long text ', i % 40) || i END AS text,
    CASE WHEN i % 2 = 0 THEN 'one long text, the same in every row' END AS same,
    NULL::VARCHAR AS nothing
  FROM range(10000) AS t(i) WHERE i % 3 <> 1`;

const EXTREMES = `
  SELECT * FROM (VALUES
    ('-9223372036854775808'::BIGINT, 99999999999999999999999999999999999999::DECIMAL(38,0),
     '-999999999999999999.99'::DECIMAL(20,2), 'infinity'::TIMESTAMP, '-infinity'::DATE, true,
     '9999999999999999.99'::DECIMAL(18,2)),
    ('9223372036854775807'::BIGINT, '-99999999999999999999999999999999999999'::DECIMAL(38,0),
     '-0.01'::DECIMAL(20,2), '-infinity'::TIMESTAMP, 'infinity'::DATE, false,
     '90071992547409.91'::DECIMAL(18,2)),
    (NULL, NULL, NULL, NULL, NULL, NULL, '-90071992547409.91'::DECIMAL(18,2)))
    AS v(big, d38, d20, ts, day, flag, d18)`;

let instance: DuckDBInstance;
let conn: DuckDBConnection;

/** `sql` streamed as readSql reads it, cut to `limit` rows when given. */
async function streamed(sql: string, limit?: number): Promise<SqlResult> {
  const result = await (await conn.prepare(sql)).stream();
  const chunks: DuckDBDataChunk[] = [];
  let rows = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    chunks.push(chunk);
    rows += chunk.rowCount;
  }
  const types = result.columnTypes();
  return {
    columns: result.columnNames().map((name, i) => ({
      name,
      type: types[i]!.toString(),
      duckType: types[i]!,
    })),
    chunks,
    rowCount: Math.min(rows, limit ?? rows),
    truncated: limit !== undefined && rows > limit,
    elapsedMs: 0,
  };
}

/** The stream built from values only, and the one built from vectors where they serve. */
function bothWays(result: SqlResult): { values: Uint8Array; vectors: Uint8Array } {
  const fromVectors = result.columns.map((c, i) => {
    const data = vectorColumn(result, i);
    if (!data) throw new Error(`${c.type} is not taken from vectors`);
    return data;
  });
  return {
    values: arrowStreamOf(
      result,
      result.columns.map((_, i) => valueColumn(result, i)),
    ),
    vectors: arrowStreamOf(result, fromVectors),
  };
}

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
  await conn.run("SET TimeZone = 'UTC'");
});
afterAll(() => {
  conn?.closeSync();
  instance?.closeSync();
});

describe('Arrow columns from DuckDB vectors', () => {
  it('uses the node-bindings that node-api uses (one native DuckDB, one chunk layout)', () => {
    expect(dependenciesOf('package.json')['@duckdb/node-bindings']).toBe(
      dependenciesOf('node_modules/@duckdb/node-api/package.json')['@duckdb/node-bindings'],
    );
  });

  it('equals the values path byte for byte, over chunks of odd sizes', async () => {
    const result = await streamed(TYPED);
    expect(result.rowCount).toBe(6667);
    // The filter must really leave chunks whose sizes are not multiples of 8.
    expect(result.chunks.some((c, i) => i < result.chunks.length - 1 && c.rowCount % 8)).toBe(true);
    const { values, vectors } = bothWays(result);
    expect(Buffer.from(vectors).equals(Buffer.from(values))).toBe(true);
    const table = tableFromIPC(vectors);
    expect(table.getChild('nothing')!.nullCount).toBe(6667);
    // Rows are i = 0, 2, 3, 5, 6, 8, 9, 11, …
    expect(table.getChild('text')!.get(2)).toBe('exactly12chr');
    expect(table.getChild('text')!.get(7)).toBe('ünïcödé → 11 🦆');
    expect(table.getChild('d18')!.get(0)).toBeNull();
    expect(table.getChild('same')!.get(0)).toBe('one long text, the same in every row');
  });

  it('equals the values path when the row cap cuts inside a chunk', async () => {
    for (const limit of [0, 1, 7, 9, 2049, 3001]) {
      const result = await streamed(TYPED, limit);
      expect(result.rowCount).toBe(limit);
      const { values, vectors } = bothWays(result);
      expect(Buffer.from(vectors).equals(Buffer.from(values)), `limit ${limit}`).toBe(true);
    }
  });

  it('equals the values path at the extremes (BIGINT, DECIMAL(38), infinities)', async () => {
    const result = await streamed(EXTREMES);
    const { values, vectors } = bothWays(result);
    expect(Buffer.from(vectors).equals(Buffer.from(values))).toBe(true);
  });

  it('leaves lists and text-only types to the values path', async () => {
    const result = await streamed(
      "SELECT [1, NULL, 3] AS list, 170141183460469231731687303715884105727::HUGEINT AS huge, INTERVAL '1 day' AS span",
    );
    expect(result.columns.map((_, i) => vectorColumn(result, i))).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    const table = tableFromIPC(toArrowStream(result));
    expect(table.getChild('list')!.get(0)!.toArray()).toEqual(new Int32Array([1, 0, 3]));
    expect(table.getChild('huge')!.get(0)).toBe('170141183460469231731687303715884105727');
  });
});

/** Names of the columns JSON reads from vectors, after checking each equals the values path. */
function jsonAgrees(result: SqlResult, label: string): string[] {
  const fromVectors: string[] = [];
  result.columns.forEach((c, i) => {
    const cells = vectorJsonColumn(result, i);
    if (!cells) return;
    expect(cells, `${label}: ${c.name}`).toEqual(valueJsonColumn(result, i));
    fromVectors.push(c.name);
  });
  return fromVectors;
}

describe('JSON cells from DuckDB vectors', () => {
  it('equal the values path, over chunks of odd sizes and cuts inside a chunk', async () => {
    for (const limit of [undefined, 0, 9, 3001]) {
      const result = await streamed(TYPED, limit);
      expect(jsonAgrees(result, `limit ${limit}`)).toEqual(
        // DATE and the other timestamp units take the values path.
        'i flag tiny small int big utiny usmall uint ubig f32 f64 d4 d9 d18 d38 ts tstz text same nothing'.split(
          ' ',
        ),
      );
    }
  });

  it('equal the values path at the extremes: infinities, NaN, years past 2255 and before 1684', async () => {
    const result = await streamed(`${EXTREMES} CROSS JOIN (VALUES
      ('NaN'::DOUBLE, 'infinity'::TIMESTAMPTZ, TIMESTAMP '9999-12-31 23:59:59.999999', '-Infinity'::FLOAT),
      ('Infinity'::DOUBLE, '-infinity'::TIMESTAMPTZ, TIMESTAMP '1500-01-01 00:00:00.000001', 0.1::FLOAT),
      (-0.0::DOUBLE, TIMESTAMPTZ '2300-06-01 12:00:00.5+00', TIMESTAMP '1969-12-31 23:59:59.999999', NULL)
    ) AS more(dbl, far_tz, far_ts, flt)`);
    expect(jsonAgrees(result, 'extremes')).toEqual([
      'big',
      'd38',
      'd20',
      'ts',
      'flag',
      'd18',
      'dbl',
      'far_tz',
      'far_ts',
      'flt',
    ]);
    expect(new Set(jsonRows(result).map((row) => row[6]))).toEqual(
      new Set(['9999999999999999.99', '90071992547409.91', '-90071992547409.91']),
    );
    expect(jsonRows(result)[0]!.slice(7)).toEqual([
      'NaN',
      'infinity',
      '9999-12-31T23:59:59.999999',
      '-Infinity',
    ]);
  });

  it('keep a text as it is, a byte-order mark at its start too, as Arrow does', async () => {
    const result = await streamed(
      "SELECT chr(65279) || 'starts with a byte-order mark, long enough' AS t, chr(65279) || 'short' AS s",
    );
    expect(jsonRows(result)).toEqual([
      ['\uFEFFstarts with a byte-order mark, long enough', '\uFEFFshort'],
    ]);
    // Arrow carries the bytes (apache-arrow's own reader drops the mark when it decodes).
    const table = tableFromIPC(toArrowStream(result));
    for (const name of ['t', 's'])
      expect([...table.getChild(name)!.data[0]!.values.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  });
});

/**
 * The pure parts of the read path, without a database: the analyst gate's slots and line, where
 * DuckDB's message points, timestamps as ISO text on both sides of 1970, and the parse-tree walk
 * on trees DuckDB produced (shapes captured from json_serialize_sql).
 */
import { describe, expect, it } from 'vitest';
import { isoFromMicros } from '../api/sql/cells.ts';
import { pointedAt } from '../warehouse/read/errors.ts';
import { ReadGate } from '../warehouse/read/gate.ts';
import { lineColumn, walkStatement } from '../warehouse/read/tree.ts';

describe('the analyst gate', () => {
  it('runs `running` at once, lines up `waiting`, refuses the next with 429 and Retry-After', async () => {
    const gate = new ReadGate({ running: 2, waiting: 1 });
    const a = await gate.enter();
    const b = await gate.enter();
    let thirdIn = false;
    const third = gate.enter().then((leave) => {
      thirdIn = true;
      return leave;
    });
    expect(gate.load).toEqual({ running: 2, waiting: 1 });
    await expect(gate.enter()).rejects.toMatchObject({
      status: 429,
      extra: { retryAfterSeconds: 2 },
    });
    a();
    a(); // a second release of the same slot changes nothing
    const c = await third;
    expect(thirdIn).toBe(true);
    expect(gate.load).toEqual({ running: 2, waiting: 0 });
    b();
    c();
    expect(gate.load).toEqual({ running: 0, waiting: 0 });
  });
});

describe('where DuckDB points', () => {
  it('reads the line and the caret column', () => {
    expect(pointedAt('Catalog Error: no\n\nLINE 2:   nope FROM t\n          ^')).toEqual({
      line: 2,
      column: 3,
    });
  });
  it('gives only the line when DuckDB cut the line it shows', () => {
    expect(pointedAt('Binder Error: x\n\nLINE 1: ...ry long text\n                ^')).toEqual({
      line: 1,
    });
  });
  it('counts a parser offset in lines and columns', () => {
    expect(lineColumn('SELECT 1\nFROM x\nWHERE = 1', 22)).toEqual({ line: 3, column: 7 });
  });
});

describe('timestamps as ISO text', () => {
  it('keeps microseconds, on both sides of the epoch, with or without a zone', () => {
    expect(isoFromMicros(1_772_357_400_000_000n, true)).toBe('2026-03-01T09:30:00.000Z');
    expect(isoFromMicros(1_772_357_400_123_456n, false)).toBe('2026-03-01T09:30:00.123456');
    expect(isoFromMicros(-1n, true)).toBe('1969-12-31T23:59:59.999999Z');
    expect(isoFromMicros(9_223_372_036_854_775_807n, true)).toBeUndefined(); // DuckDB's infinity
  });

  it('writes by hand within ±2^53 µs exactly what Date writes: days, leap years, both paths', () => {
    const viaDate = (micros: bigint) => {
      const ms = micros >= 0n ? micros / 1000n : -((-micros + 999n) / 1000n);
      const sub = Number(micros - ms * 1000n);
      const iso = new Date(Number(ms)).toISOString().slice(0, -1);
      return `${iso}${sub ? String(sub).padStart(3, '0') : ''}Z`;
    };
    const micros: bigint[] = [2n ** 53n - 1n, -(2n ** 53n) + 1n, 2n ** 53n, -(2n ** 53n)];
    for (const year of [1684, 1700, 1800, 1900, 1969, 1970, 2000, 2024, 2100, 2254])
      for (const day of ['01-01', '02-28', '02-29', '03-01', '12-31']) {
        const at = Date.parse(`${year}-${day}T00:00:00.000Z`);
        if (Number.isNaN(at) || !new Date(at).toISOString().includes(day)) continue;
        for (const offset of [-1n, 0n, 1n, 1000n, 86_399_999_999n])
          micros.push(BigInt(at) * 1000n + offset);
      }
    for (let i = 0; i < 2000; i++)
      micros.push(BigInt(Math.round((i / 1000 - 1) * 2 ** 53)) + BigInt(i * 7919));
    for (const m of micros) {
      expect(isoFromMicros(m, true), String(m)).toBe(viaDate(m));
      if (m > -(2n ** 53n) && m < 2n ** 53n)
        expect(isoFromMicros(Number(m), true)).toBe(viaDate(m));
    }
  });
});

describe('walking a parse tree', () => {
  const rules = { schemas: ['marts'], tableFunctions: ['range'] };
  const table = (schema: string, name: string, catalog = '') => ({
    type: 'BASE_TABLE',
    catalog_name: catalog,
    schema_name: schema,
    table_name: name,
  });
  const fn = (name: string) => ({ type: 'TABLE_FUNCTION', function: { function_name: name } });

  it('lists what a statement reads and binds', () => {
    const statement = {
      node: {
        cte_map: { map: [{ key: 'Recent' }] },
        from_table: { left: table('marts', 'sales'), right: table('', 'recent') },
        where: { class: 'PARAMETER', identifier: 'from' },
        extra: fn('range'),
      },
    };
    expect(walkStatement(statement, rules)).toEqual({
      ok: true,
      reads: { relations: ['marts.sales'], parameters: ['from'], positional: false },
    });
  });

  it('refuses other schemas, catalogs, unqualified names and unlisted table functions', () => {
    expect(walkStatement({ t: table('raw', 'orders') }, rules)).toMatchObject({
      ok: false,
      refusal: { kind: 'relation', name: 'raw.orders', unqualified: false },
    });
    expect(walkStatement({ t: table('marts', 'x', 'other') }, rules)).toMatchObject({
      refusal: { kind: 'relation', name: 'other.marts.x' },
    });
    expect(walkStatement({ t: table('', '/etc/passwd') }, rules)).toMatchObject({
      refusal: { kind: 'relation', name: '/etc/passwd', unqualified: true },
    });
    expect(walkStatement({ deep: [{ f: fn('read_text') }] }, rules)).toMatchObject({
      refusal: { kind: 'table-function', name: 'read_text' },
    });
  });
});

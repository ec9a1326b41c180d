/**
 * Arrow column data from DuckDB values: the path for what arrow-vectors.ts does not take from
 * the vectors — lists (their items, of any type, come as values) and the types Arrow has no
 * exact twin for (HUGEINT, INTERVAL, UUID, structs, …), which travel as Utf8 in the JSON
 * answer's text form.
 */
import {
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  type DuckDBType,
  type DuckDBValue,
  DuckDBDecimalType,
  DuckDBListType,
} from '@duckdb/node-api';
import { Bool, Decimal, Field, List, Utf8, makeData, type Data } from 'apache-arrow';
import { FIXED_WIDTH, type FixedWidth } from './arrow-types.ts';
import { jsonCell } from './cells.ts';

type Values = readonly DuckDBValue[];

/** Validity bitmap of `values` (bit set = not null) and the null count. */
function validity(values: Values): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array(Math.ceil(values.length / 8));
  let nullCount = 0;
  values.forEach((v, i) => {
    if (v === null || v === undefined) nullCount++;
    else nullBitmap[i >> 3]! |= 1 << (i & 7);
  });
  return { nullBitmap, nullCount };
}

/** Microseconds (or the unit's count) of a timestamp value, 0n for null. */
function timestampCount(v: DuckDBValue): bigint {
  if (v instanceof DuckDBTimestampTZValue || v instanceof DuckDBTimestampValue) return v.micros;
  if (v instanceof DuckDBTimestampMillisecondsValue) return v.millis;
  if (v instanceof DuckDBTimestampSecondsValue) return v.seconds;
  if (v instanceof DuckDBTimestampNanosecondsValue) return v.nanos;
  return 0n;
}

/** What a fixed-width column's typed array holds for `v` (0 for null). */
function held(fixed: FixedWidth, v: DuckDBValue): number | bigint {
  switch (fixed.holds) {
    case 'number':
      return v === null ? 0 : Number(v);
    case 'bigint':
      return typeof v === 'bigint' ? v : 0n;
    case 'days':
      return v instanceof DuckDBDateValue ? v.days : 0;
    case 'count':
      return timestampCount(v);
  }
}

const encoder = new TextEncoder();

function utf8Data(texts: readonly (string | null)[]): Data {
  const parts = texts.map((t) => (t === null ? new Uint8Array(0) : encoder.encode(t)));
  const valueOffsets = new Int32Array(texts.length + 1);
  parts.forEach((p, i) => (valueOffsets[i + 1] = valueOffsets[i]! + p.length));
  const data = new Uint8Array(valueOffsets[texts.length]!);
  parts.forEach((p, i) => data.set(p, valueOffsets[i]!));
  return makeData({
    type: new Utf8(),
    length: texts.length,
    ...validity(texts),
    valueOffsets,
    data,
  });
}

/** Arrow data of one column: `values` of DuckDB type `type`. */
export function valueColumnData(type: DuckDBType, values: Values): Data {
  const length = values.length;
  const fixed = FIXED_WIDTH[type.typeId];
  if (fixed) {
    const data = new fixed.array(length);
    values.forEach((v, i) => (data[i] = held(fixed, v) as never));
    return makeData({ type: fixed.arrow(), length, ...validity(values), data } as never);
  }
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN: {
      const data = new Uint8Array(Math.ceil(length / 8));
      values.forEach((v, i) => {
        if (v === true) data[i >> 3]! |= 1 << (i & 7);
      });
      return makeData({ type: new Bool(), length, ...validity(values), data });
    }
    case DuckDBTypeId.DECIMAL: {
      const t = type as DuckDBDecimalType;
      // Decimal128: the unscaled integer in four little-endian 32-bit words, two's complement.
      const data = new Uint32Array(length * 4);
      values.forEach((v, i) => {
        let n = v instanceof DuckDBDecimalValue ? BigInt.asUintN(128, v.value) : 0n;
        for (let w = 0; w < 4; w++, n >>= 32n) data[i * 4 + w] = Number(n & 0xffffffffn);
      });
      return makeData({
        type: new Decimal(t.scale, t.width, 128),
        length,
        ...validity(values),
        data,
      });
    }
    case DuckDBTypeId.LIST: {
      const items: DuckDBValue[] = [];
      const valueOffsets = new Int32Array(length + 1);
      values.forEach((v, i) => {
        if (v instanceof DuckDBListValue) items.push(...v.items);
        valueOffsets[i + 1] = items.length;
      });
      const child = valueColumnData((type as DuckDBListType).valueType, items);
      return makeData({
        type: new List(new Field('item', child.type, true)),
        length,
        ...validity(values),
        valueOffsets,
        child,
      });
    }
  }
  return utf8Data(
    values.map((v) => {
      const cell = jsonCell(v);
      return cell === null ? null : typeof cell === 'object' ? JSON.stringify(cell) : String(cell);
    }),
  );
}

/**
 * The application/vnd.apache.arrow.stream answer of POST /sql, built with apache-arrow:
 * node-api has no Arrow output of DuckDB's own. Each column's buffers are filled straight from
 * the DuckDB values (no row objects in between), in the Arrow type that holds them exactly:
 * BIGINT as Int64, DECIMAL as Decimal128 with its precision and scale, TIMESTAMPTZ as
 * Timestamp(µs, UTC), DATE as Date32, lists as List. What Arrow has no exact twin for (HUGEINT,
 * INTERVAL, UUID, structs, …) travels as Utf8 in the JSON answer's text form. Every field keeps
 * DuckDB's type name in its metadata (`duckdb.type`).
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
import {
  Bool,
  DataType,
  DateDay,
  Decimal,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  List,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimeUnit,
  Timestamp,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
  makeData,
  tableToIPC,
  type Data,
} from 'apache-arrow';
import { jsonCell } from './cells.ts';
import type { SqlResult } from './service.ts';

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

type NumberArray =
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | Uint8ArrayConstructor
  | Uint16ArrayConstructor
  | Uint32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

const NUMBERS: Partial<Record<DuckDBTypeId, [() => DataType, NumberArray]>> = {
  [DuckDBTypeId.TINYINT]: [() => new Int8(), Int8Array],
  [DuckDBTypeId.SMALLINT]: [() => new Int16(), Int16Array],
  [DuckDBTypeId.INTEGER]: [() => new Int32(), Int32Array],
  [DuckDBTypeId.UTINYINT]: [() => new Uint8(), Uint8Array],
  [DuckDBTypeId.USMALLINT]: [() => new Uint16(), Uint16Array],
  [DuckDBTypeId.UINTEGER]: [() => new Uint32(), Uint32Array],
  [DuckDBTypeId.FLOAT]: [() => new Float32(), Float32Array],
  [DuckDBTypeId.DOUBLE]: [() => new Float64(), Float64Array],
};

/** Microseconds (or the unit's count) of a timestamp value, 0n for null. */
function timestampCount(v: DuckDBValue): bigint {
  if (v instanceof DuckDBTimestampTZValue || v instanceof DuckDBTimestampValue) return v.micros;
  if (v instanceof DuckDBTimestampMillisecondsValue) return v.millis;
  if (v instanceof DuckDBTimestampSecondsValue) return v.seconds;
  if (v instanceof DuckDBTimestampNanosecondsValue) return v.nanos;
  return 0n;
}

const TIMESTAMPS: Partial<Record<DuckDBTypeId, () => Timestamp>> = {
  [DuckDBTypeId.TIMESTAMP_TZ]: () => new Timestamp(TimeUnit.MICROSECOND, 'UTC'),
  [DuckDBTypeId.TIMESTAMP]: () => new Timestamp(TimeUnit.MICROSECOND),
  [DuckDBTypeId.TIMESTAMP_MS]: () => new Timestamp(TimeUnit.MILLISECOND),
  [DuckDBTypeId.TIMESTAMP_S]: () => new Timestamp(TimeUnit.SECOND),
  [DuckDBTypeId.TIMESTAMP_NS]: () => new Timestamp(TimeUnit.NANOSECOND),
};

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
function columnData(type: DuckDBType, values: Values): Data {
  const length = values.length;
  const number = NUMBERS[type.typeId];
  if (number) {
    const [arrowType, Array_] = number;
    const data = new Array_(length);
    values.forEach((v, i) => (data[i] = v === null ? 0 : Number(v)));
    return makeData({ type: arrowType(), length, ...validity(values), data } as never);
  }
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN: {
      const data = new Uint8Array(Math.ceil(length / 8));
      values.forEach((v, i) => {
        if (v === true) data[i >> 3]! |= 1 << (i & 7);
      });
      return makeData({ type: new Bool(), length, ...validity(values), data });
    }
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT: {
      const signed = type.typeId === DuckDBTypeId.BIGINT;
      const data = signed ? new BigInt64Array(length) : new BigUint64Array(length);
      values.forEach((v, i) => (data[i] = typeof v === 'bigint' ? v : 0n));
      return makeData({
        type: signed ? new Int64() : new Uint64(),
        length,
        ...validity(values),
        data,
      } as never);
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
    case DuckDBTypeId.DATE: {
      const data = new Int32Array(length);
      values.forEach((v, i) => (data[i] = v instanceof DuckDBDateValue ? v.days : 0));
      return makeData({ type: new DateDay(), length, ...validity(values), data });
    }
    case DuckDBTypeId.LIST: {
      const items: DuckDBValue[] = [];
      const valueOffsets = new Int32Array(length + 1);
      values.forEach((v, i) => {
        if (v instanceof DuckDBListValue) items.push(...v.items);
        valueOffsets[i + 1] = items.length;
      });
      const child = columnData((type as DuckDBListType).valueType, items);
      return makeData({
        type: new List(new Field('item', child.type, true)),
        length,
        ...validity(values),
        valueOffsets,
        child,
      });
    }
  }
  const timestamp = TIMESTAMPS[type.typeId];
  if (timestamp) {
    const data = new BigInt64Array(length);
    values.forEach((v, i) => (data[i] = timestampCount(v)));
    return makeData({ type: timestamp(), length, ...validity(values), data });
  }
  return utf8Data(
    values.map((v) => {
      const cell = jsonCell(v);
      return cell === null ? null : typeof cell === 'object' ? JSON.stringify(cell) : String(cell);
    }),
  );
}

/** `result` as one Arrow IPC stream (a schema message, one record batch). */
export function toArrowStream(result: SqlResult): Uint8Array {
  const columns = result.columns.map((c, i) =>
    columnData(
      c.duckType,
      result.rows.map((r) => r[i]!),
    ),
  );
  const fields = result.columns.map(
    (c, i) => new Field(c.name, columns[i]!.type, true, new Map([['duckdb.type', c.type]])),
  );
  const schema = new Schema(fields);
  const batch = new RecordBatch(
    schema,
    makeData({
      type: new Struct(fields),
      length: result.rowCount,
      nullCount: 0,
      children: columns,
    }),
  );
  return tableToIPC(new Table(schema, batch), 'stream');
}

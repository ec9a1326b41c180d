/**
 * A result's cells as JSON (jsonCell's forms, cells.ts) for the JSON and CSV answers, column by
 * column. The common flat types are read from DuckDB's vector buffers (vectors.ts) rather than
 * as one node-api value object per cell, the way arrow-vectors.ts builds Arrow: for a million
 * rows × (BIGINT, DECIMAL, VARCHAR, TIMESTAMPTZ) making those objects and turning each into its
 * JSON form was ~3/4 of the JSON answer's time (bench/sql.ts). Every other type — DATE, HUGEINT,
 * lists, structs, INTERVAL, … — takes the values path, which is also what the vector path is
 * checked against (test/sql-vectors.test.ts).
 *
 * One difference, on purpose: text is decoded as it is. node-api's decoder drops a byte-order
 * mark at the start of a string; read from the vector, a VARCHAR keeps it, as the Arrow and
 * Parquet answers do.
 */
import duckdb from '@duckdb/node-bindings';
import {
  DuckDBDecimalType,
  DuckDBDecimalValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { FIXED_WIDTH } from './arrow-types.ts';
import { isoFromMicros, jsonCell, type JsonCell } from './cells.ts';
import { chunkRowCounts, type SqlResult } from './service.ts';
import { utf8Buffers } from './vector-strings.ts';
import {
  columnParts,
  decimalStorage,
  fixedData,
  isValid,
  validity,
  vectorBytes,
  widthOf,
  type ColumnParts,
} from './vectors.ts';

const TWO_32 = 2 ** 32;
/** A high word below this (in magnitude) keeps a 64-bit integer exact as a number. */
const SAFE_HIGH = 2 ** 21;

/**
 * Each row's 64-bit integer as a number when exact (|v| < 2^53), else `big(row)`, from
 * little-endian words `words` (signed: the high word is read as such).
 */
function int64Cells(
  words: Int32Array,
  length: number,
  signed: boolean,
  cell: (value: number | bigint) => JsonCell,
  big: (row: number) => bigint,
): JsonCell[] {
  const cells = new Array<JsonCell>(length);
  for (let r = 0; r < length; r++) {
    const high = signed ? words[r * 2 + 1]! : words[r * 2 + 1]! >>> 0;
    cells[r] =
      high < SAFE_HIGH && high >= -SAFE_HIGH
        ? cell(high * TWO_32 + (words[r * 2]! >>> 0))
        : cell(big(r));
  }
  return cells;
}

/** `value` (scaled by 10^scale) as DuckDB's decimal text, exactly as DuckDBDecimalValue gives it. */
function decimalText(value: number | bigint, width: number, scale: number): string {
  if (typeof value === 'bigint') return new DuckDBDecimalValue(value, width, scale).toString();
  if (scale === 0) return String(value);
  const abs = Math.abs(value);
  const factor = 10 ** scale;
  const fraction = abs % factor;
  const whole = (abs - fraction) / factor; // exact: integers below 2^53
  return `${value < 0 ? '-' : ''}${whole}.${String(fraction).padStart(scale, '0')}`;
}

/** `micros` as jsonCell writes a TIMESTAMP (zone: TIMESTAMPTZ), DuckDB's text past ISO's range. */
function timestampText(micros: number | bigint, zone: boolean): string {
  return (
    isoFromMicros(micros, zone) ??
    String(
      zone ? new DuckDBTimestampTZValue(BigInt(micros)) : new DuckDBTimestampValue(BigInt(micros)),
    )
  );
}

/**
 * Cells of a column from its vectors (Arrow validity `nullBitmap`), before nulls are put in;
 * undefined for a type without a vector path.
 */
function vectorCells(
  type: DuckDBType,
  parts: ColumnParts,
  nullBitmap: Uint8Array,
): JsonCell[] | undefined {
  const length = parts.length;
  const id = type.typeId;
  // Numbers whose typed-array element is the JSON number itself (TINYINT … DOUBLE).
  if (FIXED_WIDTH[id]?.holds === 'number') {
    const values = new FIXED_WIDTH[id]!.array(fixedData(parts, widthOf(id)!).buffer as ArrayBuffer);
    const cells = new Array<JsonCell>(length);
    for (let r = 0; r < length; r++) {
      const v = values[r] as number;
      cells[r] = Number.isFinite(v) ? v : String(v); // JSON has no NaN: DuckDB's spelling
    }
    return cells;
  }
  const words = () => new Int32Array(fixedData(parts, 8).buffer as ArrayBuffer);
  switch (id) {
    case DuckDBTypeId.BOOLEAN:
      return duckdb.sizeof_bool === 1 ? Array.from(fixedData(parts, 1), (b) => b !== 0) : undefined;
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT: {
      const w = words();
      const signed = id === DuckDBTypeId.BIGINT;
      const all = signed ? new BigInt64Array(w.buffer) : new BigUint64Array(w.buffer);
      return int64Cells(w, length, signed, String, (r) => all[r]!);
    }
    case DuckDBTypeId.TIMESTAMP_TZ:
    case DuckDBTypeId.TIMESTAMP: {
      const w = words();
      const all = new BigInt64Array(w.buffer);
      const zone = id === DuckDBTypeId.TIMESTAMP_TZ;
      return int64Cells(
        w,
        length,
        true,
        (v) => timestampText(v, zone),
        (r) => all[r]!,
      );
    }
    case DuckDBTypeId.DECIMAL: {
      const { width, scale } = type as DuckDBDecimalType;
      const storage = decimalStorage(width);
      const text = (v: number | bigint) => decimalText(v, width, scale);
      if (storage === 8) {
        const w = words();
        const all = new BigInt64Array(w.buffer);
        return int64Cells(w, length, true, text, (r) => all[r]!);
      }
      const bytes = fixedData(parts, storage);
      if (storage === 16) {
        const all = new BigUint64Array(bytes.buffer as ArrayBuffer);
        return Array.from({ length }, (_, r) =>
          text(BigInt.asIntN(64, all[r * 2 + 1]!) * 2n ** 64n + all[r * 2]!),
        );
      }
      const small =
        storage === 4 ? new Int32Array(bytes.buffer as ArrayBuffer) : new Int16Array(bytes.buffer);
      return Array.from(small, text);
    }
    case DuckDBTypeId.VARCHAR: {
      const { valueOffsets, data } = utf8Buffers(vectorBytes(parts, 16), nullBitmap, length);
      const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      const cells = new Array<JsonCell>(length);
      for (let r = 0; r < length; r++)
        cells[r] = text.toString('utf8', valueOffsets[r]!, valueOffsets[r + 1]!);
      return cells;
    }
  }
  return undefined;
}

/** Column `index` of `result` as JSON cells, from its vectors; undefined for the values path. */
export function vectorJsonColumn(result: SqlResult, index: number): JsonCell[] | undefined {
  const parts = columnParts(result, index);
  const { nullBitmap, nullCount } = validity(parts);
  const cells = vectorCells(result.columns[index]!.duckType, parts, nullBitmap);
  if (!cells) return undefined;
  // A null's slot holds leftovers: whatever was read there becomes null.
  if (nullCount)
    for (let r = 0; r < parts.length; r++) if (!isValid(nullBitmap, r)) cells[r] = null;
  return cells;
}

/** Column `index` of `result` as JSON cells, from DuckDB values (any type). */
export function valueJsonColumn(result: SqlResult, index: number): JsonCell[] {
  const kept = chunkRowCounts(result);
  const cells: JsonCell[] = [];
  result.chunks.forEach((chunk, k) => {
    if (!kept[k]) return;
    const values: DuckDBValue[] = chunk.getColumnValues(index);
    for (let r = 0; r < kept[k]; r++) cells.push(jsonCell(values[r]!));
  });
  return cells;
}

/** The `rowCount` rows of `result` as JSON cells, in column order. */
export function jsonRows(result: SqlResult): JsonCell[][] {
  const columns = result.columns.map(
    (_, i) => vectorJsonColumn(result, i) ?? valueJsonColumn(result, i),
  );
  const rows = new Array<JsonCell[]>(result.rowCount);
  for (let r = 0; r < result.rowCount; r++) rows[r] = columns.map((column) => column[r]!);
  return rows;
}

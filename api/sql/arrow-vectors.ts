/**
 * Arrow column data straight from DuckDB's vectors, for the flat types whose DuckDB bytes are
 * (or widen simply to) Arrow's: numbers, BIGINT, DECIMAL, DATE, timestamps, BOOLEAN, VARCHAR.
 * Hand-written over node-bindings' vector buffers because node-api offers a vector's contents
 * only as one JS value per cell: for a million rows × (BIGINT, DECIMAL, VARCHAR, TIMESTAMPTZ)
 * reading those values and writing them into Arrow buffers took the Arrow answer of POST /sql
 * to 1.9× the raw DuckDB read (bench/sql.ts); copying the buffers (vectors.ts) takes it to 0.3×.
 *
 * Under a NULL a DuckDB vector holds whatever was there before: those slots are zeroed, so
 * nothing but the answer's own values leaves the server.
 */
import duckdb from '@duckdb/node-bindings';
import { DuckDBDecimalType, DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';
import { Bool, Decimal, Utf8, makeData, type Data } from 'apache-arrow';
import { FIXED_WIDTH } from './arrow-types.ts';
import { utf8Buffers } from './vector-strings.ts';
import {
  decimalStorage,
  fixedData,
  validity,
  vectorBytes,
  widthOf,
  type ColumnParts,
} from './vectors.ts';

/** Zero the `bytes`-wide slots of `data` under the nulls of `nullBitmap`. */
function clearNulls(data: Uint8Array, bytes: number, nullBitmap: Uint8Array, length: number) {
  nullBitmap.forEach((b, i) => {
    if (b === 0xff) return;
    for (let bit = 0, row = i * 8; bit < 8 && row < length; bit++, row++)
      if (!((b >> bit) & 1)) data.fill(0, row * bytes, (row + 1) * bytes);
  });
}

/** DECIMAL as Decimal128: DuckDB's integer of 2, 4 or 8 bytes sign-extended to 16 (4 words). */
function decimalData(parts: ColumnParts, storage: 2 | 4 | 8 | 16): Uint8Array {
  if (storage === 16) return fixedData(parts, 16); // DuckDB's HUGEINT: the same 16 bytes
  const words = new Int32Array(parts.length * 4);
  let row = 0;
  for (const piece of vectorBytes(parts, storage)) {
    const n = piece.length / storage;
    if (storage === 8) {
      const src = new Int32Array(piece.buffer, piece.byteOffset, n * 2);
      for (let i = 0; i < n; i++, row++) {
        const high = src[i * 2 + 1]!;
        words[row * 4] = src[i * 2]!;
        words[row * 4 + 1] = high;
        words[row * 4 + 2] = words[row * 4 + 3] = high >> 31;
      }
    } else {
      const src =
        storage === 4
          ? new Int32Array(piece.buffer, piece.byteOffset, n)
          : new Int16Array(piece.buffer, piece.byteOffset, n);
      for (let i = 0; i < n; i++, row++) {
        const v = src[i]!;
        words[row * 4] = v;
        words[row * 4 + 1] = words[row * 4 + 2] = words[row * 4 + 3] = v >> 31;
      }
    }
  }
  return new Uint8Array(words.buffer);
}

/** BOOLEAN (one byte per value in DuckDB) as Arrow's bitmap. */
function boolData(parts: ColumnParts): Uint8Array {
  const data = new Uint8Array((parts.length + 7) >> 3);
  let row = 0;
  for (const piece of vectorBytes(parts, 1))
    for (let i = 0; i < piece.length; i++, row++) if (piece[i]) data[row >> 3]! |= 1 << (row & 7);
  return data;
}

/**
 * Arrow data of one column of type `type` from its vectors, or undefined for a type taken
 * from values instead (arrow-values.ts): lists, and what Arrow holds only as text.
 */
export function vectorColumnData(type: DuckDBType, parts: ColumnParts): Data | undefined {
  const length = parts.length;
  const fixed = FIXED_WIDTH[type.typeId];
  if (fixed) {
    const bytes = widthOf(type.typeId)!;
    const valid = validity(parts);
    const data = fixedData(parts, bytes);
    if (valid.nullCount) clearNulls(data, bytes, valid.nullBitmap, length);
    return makeData({
      type: fixed.arrow(),
      length,
      ...valid,
      data: new fixed.array(data.buffer as ArrayBuffer),
    } as never);
  }
  switch (type.typeId) {
    case DuckDBTypeId.DECIMAL: {
      const t = type as DuckDBDecimalType;
      const valid = validity(parts);
      const data = decimalData(parts, decimalStorage(t.width));
      if (valid.nullCount) clearNulls(data, 16, valid.nullBitmap, length);
      return makeData({
        type: new Decimal(t.scale, t.width, 128),
        length,
        ...valid,
        data: new Uint32Array(data.buffer as ArrayBuffer),
      });
    }
    case DuckDBTypeId.BOOLEAN: {
      if (duckdb.sizeof_bool !== 1) return undefined;
      const valid = validity(parts);
      const data = boolData(parts);
      // Under a null, no bit: Arrow readers may look at the value bit without the validity.
      valid.nullBitmap.forEach((b, i) => (data[i]! &= b));
      return makeData({ type: new Bool(), length, ...valid, data });
    }
    case DuckDBTypeId.VARCHAR: {
      const valid = validity(parts);
      const buffers = utf8Buffers(vectorBytes(parts, 16), valid.nullBitmap, length);
      return makeData({ type: new Utf8(), length, ...valid, ...buffers });
    }
  }
  return undefined;
}

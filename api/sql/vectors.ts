/**
 * A result column as DuckDB's vectors hold it, for the writers that read buffers rather than
 * values (arrow-vectors.ts, json-columns.ts): its vector in each chunk, its validity as one
 * Arrow-ordered bitmap, its fixed-width data copied out. node-bindings copies a vector's bytes
 * out on every vector_get_data (it is built without external buffers), so each is asked once.
 *
 * DuckDB's validity masks have Arrow's bit order (row i is bit i % 8 of byte i / 8, on the
 * little-endian machines DuckDB's node packages ship for), so they are copied a byte at a time.
 */
import duckdb from '@duckdb/node-bindings';
import type { DuckDBTypeId } from '@duckdb/node-api';
import { FIXED_WIDTH } from './arrow-types.ts';
import { chunkRowCounts, type SqlResult } from './service.ts';

/** One column across the chunks of a result: its vector in each, and the rows kept of each. */
export interface ColumnParts {
  vectors: readonly duckdb.Vector[];
  rows: readonly number[];
  /** All rows kept (the sum of `rows`). */
  length: number;
}

/** Bytes of one value of each fixed-width type in a DuckDB vector (its typed array's element). */
export function widthOf(typeId: DuckDBTypeId): number | undefined {
  return FIXED_WIDTH[typeId] && new FIXED_WIDTH[typeId].array(0).BYTES_PER_ELEMENT;
}

/** Bytes per value of DuckDB's storage of a DECIMAL of `width` digits. */
export function decimalStorage(width: number): 2 | 4 | 8 | 16 {
  return width <= 4 ? 2 : width <= 9 ? 4 : width <= 18 ? 8 : 16;
}

const POPCOUNT = Uint8Array.from({ length: 256 }, (_, b) => {
  let n = 0;
  for (let x = b; x; x &= x - 1) n++;
  return n;
});

/**
 * Or `count` bits of `source` (null: DuckDB's "all valid") into `target` from bit `at`. Whole
 * bytes when `at` falls on a byte; else each byte is shifted across two.
 */
function copyBits(target: Uint8Array, at: number, source: Uint8Array | null, count: number): void {
  const shift = at & 7;
  const first = at >> 3;
  const full = count >> 3;
  const tail = count & 7;
  if (shift === 0) {
    if (source) target.set(source.subarray(0, full), first);
    else target.fill(0xff, first, first + full);
  }
  for (let i = shift === 0 ? full : 0; i <= full; i++) {
    let b = source ? source[i]! : 0xff;
    if (i === full) {
      if (!tail) break;
      b &= (1 << tail) - 1;
    }
    target[first + i]! |= (b << shift) & 0xff;
    if (shift && b >> (8 - shift)) target[first + i + 1]! |= b >> (8 - shift);
  }
}

/** The Arrow validity bitmap of a column (bit set = not null) and its null count. */
export function validity(parts: ColumnParts): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array((parts.length + 7) >> 3);
  let at = 0;
  parts.vectors.forEach((vector, k) => {
    const rows = parts.rows[k]!;
    if (!rows) return;
    copyBits(nullBitmap, at, duckdb.vector_get_validity(vector, ((rows + 63) >> 6) * 8), rows);
    at += rows;
  });
  let valid = 0;
  for (const b of nullBitmap) valid += POPCOUNT[b]!;
  return { nullBitmap, nullCount: parts.length - valid };
}

/** Each vector's data: `bytes` per row of its kept rows. */
export function vectorBytes(parts: ColumnParts, bytes: number): Uint8Array[] {
  return parts.vectors.map((v, k) => duckdb.vector_get_data(v, parts.rows[k]! * bytes));
}

/** Fixed-width values, copied as they are. */
export function fixedData(parts: ColumnParts, bytes: number): Uint8Array {
  const data = new Uint8Array(parts.length * bytes);
  let at = 0;
  for (const piece of vectorBytes(parts, bytes)) {
    data.set(piece, at);
    at += piece.length;
  }
  return data;
}

/** Column `index` of `result` as its parts. */
export function columnParts(result: SqlResult, index: number): ColumnParts {
  return {
    vectors: result.chunks.map((chunk) => duckdb.data_chunk_get_vector(chunk.chunk, index)),
    rows: chunkRowCounts(result),
    length: result.rowCount,
  };
}

/** Whether row `row` of a column with Arrow validity `bitmap` holds a value. */
export function isValid(bitmap: Uint8Array, row: number): boolean {
  return ((bitmap[row >> 3]! >> (row & 7)) & 1) === 1;
}

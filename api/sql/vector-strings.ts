/**
 * The bytes of DuckDB VARCHAR vectors as Arrow's Utf8 buffers (offsets, and the bytes end to
 * end), for the Arrow answer (arrow-vectors.ts) and the JSON cells (json-columns.ts). A DuckDB
 * string is 16 bytes: its length (4), then up to 12 bytes inline, or a 4-byte prefix and a
 * pointer to the bytes elsewhere, which only node-bindings' get_data_from_pointer reads — one
 * native call and one copied buffer per call. Strings a vector points to mostly lie end to end
 * in DuckDB's string heap (3–5 runs per 2,048-row vector for scans, sorts and string
 * expressions), so each run of them is read in one call: a million 15-byte strings took ~1 s
 * one call each on this machine, a few ms by runs. A run only ever covers bytes of its own
 * strings — each one starts exactly where the one before it ends — so nothing outside them is
 * read. */
import duckdb from '@duckdb/node-bindings';
import { AppError } from '../errors.ts';

/** Arrow's Utf8 offsets are 32-bit: one column's text must stay under 2 GiB. */
const UTF8_MAX_BYTES = 2 ** 31 - 1;

/** Addresses past 2^53 are not exact as numbers: such strings are read one by one. */
const EXACT_HIGH_WORD = 2 ** 21;

/** Offsets of each row's text (nulls get none), counted from the strings' lengths. */
function offsetsOf(pieces: readonly Uint8Array[], nullBitmap: Uint8Array, length: number) {
  const valueOffsets = new Int32Array(length + 1);
  let row = 0;
  let total = 0;
  for (const piece of pieces) {
    const words = new Uint32Array(piece.buffer, piece.byteOffset, piece.length / 4);
    for (let i = 0; i < piece.length / 16; i++, row++) {
      // A null's 16 bytes are leftovers: never read.
      if ((nullBitmap[row >> 3]! >> (row & 7)) & 1) total += words[i * 4]!;
      if (total > UTF8_MAX_BYTES)
        throw new AppError(
          'unprocessable',
          `the column's text is over 2 GiB, more than Arrow's Utf8 holds: ask for fewer rows (limit) or for Parquet`,
        );
      valueOffsets[row + 1] = total;
    }
  }
  return valueOffsets;
}

/**
 * The Utf8 offsets and bytes of a column whose vectors' data (16 bytes a row, as
 * vector_get_data copied them) are `pieces`, with Arrow validity `nullBitmap`.
 */
export function utf8Buffers(
  pieces: readonly Uint8Array[],
  nullBitmap: Uint8Array,
  length: number,
): { valueOffsets: Int32Array; data: Uint8Array } {
  const valueOffsets = offsetsOf(pieces, nullBitmap, length);
  const data = new Uint8Array(valueOffsets[length]!);
  let row = 0;
  for (const piece of pieces) {
    const buffer = piece.buffer as ArrayBuffer; // node-bindings' copy, never shared
    const words = new Uint32Array(piece.buffer, piece.byteOffset, piece.length / 4);
    // The run being gathered: its first string's slot, where its bytes go, how many, and the
    // address just past it (-1: none).
    let runSlot = 0;
    let runAt = 0;
    let runBytes = 0;
    let runEnd = -1;
    const flush = () => {
      if (runBytes)
        data.set(
          duckdb.get_data_from_pointer(buffer, piece.byteOffset + runSlot * 16 + 8, runBytes),
          runAt,
        );
      runBytes = 0;
      runEnd = -1;
    };
    for (let i = 0; i < piece.length / 16; i++, row++) {
      const at = valueOffsets[row]!;
      const bytes = valueOffsets[row + 1]! - at;
      if (bytes === 0) continue; // null or '': no bytes, and the run's output stays contiguous
      if (bytes <= 12) {
        flush();
        for (let b = 0; b < bytes; b++) data[at + b] = piece[i * 16 + 4 + b]!;
        continue;
      }
      const high = words[i * 4 + 3]!;
      const address = high * 2 ** 32 + words[i * 4 + 2]!;
      if (address === runEnd && high < EXACT_HIGH_WORD) {
        runBytes += bytes;
        runEnd += bytes;
      } else {
        flush();
        runSlot = i;
        runAt = at;
        runBytes = bytes;
        runEnd = high < EXACT_HIGH_WORD ? address + bytes : -1;
      }
    }
    flush();
  }
  return { valueOffsets, data };
}

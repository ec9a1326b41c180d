/**
 * The Arrow twin of each DuckDB type held in a fixed number of bytes, shared by the two ways
 * arrow.ts builds a column (from DuckDB's vectors, or from DuckDB values for lists), so both
 * give a column of a type the same Arrow type. The typed array is the one apache-arrow expects
 * as the column's data; its element is the DuckDB value's own bytes (a DATE's days, a
 * TIMESTAMP's count of its unit, a BIGINT), so a vector's buffer can be copied as it is.
 */
import { DuckDBTypeId } from '@duckdb/node-api';
import {
  DateDay,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  TimeUnit,
  Timestamp,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  type DataType,
} from 'apache-arrow';

/** A typed array of a fixed-width column. */
export type FixedArray =
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** How a fixed-width DuckDB type travels in Arrow. */
export interface FixedWidth {
  /** The Arrow type (a fresh one: apache-arrow types are objects). */
  arrow: () => DataType;
  /** Its typed array, whose element has the DuckDB value's bytes. */
  array: { new (length: number): FixedArray; new (buffer: ArrayBuffer): FixedArray };
  /** What the value path stores: `number` (Number(v)), `bigint`, `days` or `count` (timestamps). */
  holds: 'number' | 'bigint' | 'days' | 'count';
}

/** A timestamp column: the count of `unit` since the epoch, in UTC when `zone` says so. */
const timestamp = (unit: TimeUnit, zone?: 'UTC'): FixedWidth => ({
  arrow: () => new Timestamp(unit, zone),
  array: BigInt64Array,
  holds: 'count',
});

/** Fixed-width DuckDB types by type id. */
export const FIXED_WIDTH: Partial<Record<DuckDBTypeId, FixedWidth>> = {
  [DuckDBTypeId.TINYINT]: { arrow: () => new Int8(), array: Int8Array, holds: 'number' },
  [DuckDBTypeId.SMALLINT]: { arrow: () => new Int16(), array: Int16Array, holds: 'number' },
  [DuckDBTypeId.INTEGER]: { arrow: () => new Int32(), array: Int32Array, holds: 'number' },
  [DuckDBTypeId.UTINYINT]: { arrow: () => new Uint8(), array: Uint8Array, holds: 'number' },
  [DuckDBTypeId.USMALLINT]: { arrow: () => new Uint16(), array: Uint16Array, holds: 'number' },
  [DuckDBTypeId.UINTEGER]: { arrow: () => new Uint32(), array: Uint32Array, holds: 'number' },
  [DuckDBTypeId.FLOAT]: { arrow: () => new Float32(), array: Float32Array, holds: 'number' },
  [DuckDBTypeId.DOUBLE]: { arrow: () => new Float64(), array: Float64Array, holds: 'number' },
  [DuckDBTypeId.BIGINT]: { arrow: () => new Int64(), array: BigInt64Array, holds: 'bigint' },
  [DuckDBTypeId.UBIGINT]: { arrow: () => new Uint64(), array: BigUint64Array, holds: 'bigint' },
  [DuckDBTypeId.DATE]: { arrow: () => new DateDay(), array: Int32Array, holds: 'days' },
  [DuckDBTypeId.TIMESTAMP_TZ]: timestamp(TimeUnit.MICROSECOND, 'UTC'),
  [DuckDBTypeId.TIMESTAMP]: timestamp(TimeUnit.MICROSECOND),
  [DuckDBTypeId.TIMESTAMP_MS]: timestamp(TimeUnit.MILLISECOND),
  [DuckDBTypeId.TIMESTAMP_S]: timestamp(TimeUnit.SECOND),
  [DuckDBTypeId.TIMESTAMP_NS]: timestamp(TimeUnit.NANOSECOND),
};

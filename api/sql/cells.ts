/**
 * One warehouse value as JSON, the form every format starts from: exact where a JavaScript
 * number would not be (BIGINT, HUGEINT and DECIMAL as strings — never a lossy float),
 * timestamps as ISO 8601 (TIMESTAMPTZ with its `Z`; a plain TIMESTAMP has no zone, so none is
 * invented), lists as arrays, structs as objects, NULL as null.
 */
import {
  DuckDBArrayValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBValue,
} from '@duckdb/node-api';

/** A JSON value. */
export type JsonCell = null | boolean | number | string | JsonCell[] | { [k: string]: JsonCell };

/**
 * ISO 8601 of microseconds since the epoch: milliseconds always shown, microseconds when there
 * are any. Infinite or out-of-range values (DuckDB has `infinity`) come back undefined.
 */
export function isoFromMicros(micros: bigint, zone: boolean): string | undefined {
  const ms = micros >= 0n ? micros / 1000n : -((-micros + 999n) / 1000n);
  const date = new Date(Number(ms));
  if (Number.isNaN(date.getTime())) return undefined;
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const sub = Number(micros - ms * 1000n);
  const text = sub ? `${iso.slice(0, -1)}${String(sub).padStart(3, '0')}` : iso.slice(0, -1);
  return zone ? `${text}Z` : text;
}

function timestamp(v: DuckDBValue & object, micros: bigint, zone: boolean): string {
  return isoFromMicros(micros, zone) ?? String(v);
}

/** `value` as JSON (see the file comment). */
export function jsonCell(value: DuckDBValue): JsonCell {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      // JSON has no NaN or Infinity: DuckDB's own spelling, as text.
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value.toString();
  }
  if (value instanceof DuckDBDecimalValue) return value.toString();
  if (value instanceof DuckDBTimestampTZValue) return timestamp(value, value.micros, true);
  if (value instanceof DuckDBTimestampValue) return timestamp(value, value.micros, false);
  if (value instanceof DuckDBTimestampMillisecondsValue)
    return timestamp(value, value.millis * 1000n, false);
  if (value instanceof DuckDBTimestampSecondsValue)
    return timestamp(value, value.seconds * 1_000_000n, false);
  if (value instanceof DuckDBTimestampNanosecondsValue)
    return timestamp(value, value.nanos / 1000n, false);
  if (value instanceof DuckDBListValue || value instanceof DuckDBArrayValue)
    return value.items.map(jsonCell);
  if (value instanceof DuckDBStructValue) {
    const out: Record<string, JsonCell> = {};
    for (const [k, v] of Object.entries(value.entries)) out[k] = jsonCell(v);
    return out;
  }
  if (value instanceof DuckDBMapValue)
    return value.entries.map((e) => ({ key: jsonCell(e.key), value: jsonCell(e.value) }));
  // DATE, TIME, INTERVAL, UUID, BLOB, BIT, ENUM…: DuckDB's own text form.
  return String(value);
}

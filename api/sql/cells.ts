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
 * are any. Infinite or out-of-range values (DuckDB has `infinity`) come back undefined. A number
 * must be an integer. Within ±2^53 µs (1684–2255) the text is built in number arithmetic
 * (isoInNumbers); beyond, with BigInt and Date — the same text either way.
 */
export function isoFromMicros(micros: bigint | number, zone: boolean): string | undefined {
  if (typeof micros === 'bigint' && micros > -SAFE_MICROS && micros < SAFE_MICROS)
    micros = Number(micros);
  if (typeof micros === 'number') return isoInNumbers(micros, zone);
  const ms = micros >= 0n ? micros / 1000n : -((-micros + 999n) / 1000n);
  const date = new Date(Number(ms));
  if (Number.isNaN(date.getTime())) return undefined;
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const sub = Number(micros - ms * 1000n);
  const text = sub ? `${iso.slice(0, -1)}${pad3(sub)}` : iso.slice(0, -1);
  return zone ? `${text}Z` : text;
}

const SAFE_MICROS = 2n ** 53n;
const DAY_MS = 86_400_000;
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const pad3 = (n: number) => (n < 10 ? '00' : n < 100 ? '0' : '') + n;

/**
 * isoFromMicros for |micros| < 2^53, by hand rather than with Date and toISOString: a
 * million TIMESTAMPTZ cells took ~1.5 s of the JSON answer that way on this machine (a Date
 * and three strings each), a fraction of that so. The date is Howard Hinnant's
 * civil_from_days; test/sql-read.test.ts checks it against Date on both sides of 1970.
 */
function isoInNumbers(micros: number, zone: boolean): string {
  let sub = micros % 1000;
  if (sub < 0) sub += 1000;
  const ms = (micros - sub) / 1000; // exact: whole numbers below 2^53
  let inDay = ms % DAY_MS;
  if (inDay < 0) inDay += DAY_MS;
  const z = (ms - inDay) / DAY_MS + 719_468; // days since 0000-03-01
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0); // 1684–2255: always four digits
  const s = Math.floor(inDay / 1000);
  const time = `${TWO_DIGITS[Math.floor(s / 3600)]}:${TWO_DIGITS[Math.floor(s / 60) % 60]}:${TWO_DIGITS[s % 60]}`;
  const text = `${year}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T${time}.${pad3(inDay % 1000)}${sub ? pad3(sub) : ''}`;
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

/**
 * Parameters a client sent in binary format, as the text PostgreSQL would have taken for them.
 * psycopg 3 sends `%s` values of type int, float, bool, date, time, datetime, timedelta and UUID
 * in binary (its last-registered dumper wins, psycopg/types/*.py in 3.1), and pgjdbc does so for
 * a statement it has prepared on the server: refusing binary parameters refused their ordinary
 * parameterised queries. Every parameter still reaches DuckDB as text, cast where the query uses
 * it, exactly as a text parameter does — so no value takes another path than the tested one.
 *
 * The layouts are PostgreSQL's `*send` functions (src/backend/utils/adt): integers big-endian,
 * dates as days and timestamps as microseconds since 2000-01-01, numeric as base-10000 digits.
 * A type not listed here is refused (0A000) with what to do instead.
 */
import { SQLSTATE, WireError } from './sqlstate.ts';
import { OID } from './types.ts';

const TEXT_OIDS = new Set<number>([
  OID.text,
  1043 /* varchar */,
  1042 /* bpchar */,
  19 /* name */,
  705 /* unknown */,
  114 /* json */,
]);
const OID_OID = 26;

/** Microseconds from 1970-01-01 to 2000-01-01, PostgreSQL's epoch. */
const PG_EPOCH_US = 946_684_800_000_000n;
const DAY_US = 86_400_000_000n;

const pad = (n: bigint | number, width: number) => String(n).padStart(width, '0');

/** `HH:MM:SS.ffffff` of microseconds into a day. */
function timeOfDay(us: bigint): string {
  const s = us / 1_000_000n;
  const frac = us % 1_000_000n;
  return `${pad(s / 3600n, 2)}:${pad((s / 60n) % 60n, 2)}:${pad(s % 60n, 2)}.${pad(frac, 6)}`;
}

/** `YYYY-MM-DD` of whole days since 1970-01-01 (proleptic Gregorian, as both databases use). */
function dayText(days: bigint): string {
  const d = new Date(Number(days) * 86_400_000);
  const y = d.getUTCFullYear();
  const year = y > 0 ? pad(y, 4) : `${pad(1 - y, 4)}`;
  const text = `${year}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
  return y > 0 ? text : `${text} BC`;
}

/** A timestamp's microseconds since 2000-01-01 as `YYYY-MM-DD HH:MM:SS.ffffff`. */
function timestampText(pgUs: bigint): string {
  const us = pgUs + PG_EPOCH_US;
  let days = us / DAY_US;
  let rest = us % DAY_US;
  if (rest < 0n) {
    days -= 1n;
    rest += DAY_US;
  }
  const date = dayText(days);
  const bc = date.endsWith(' BC');
  const text = `${bc ? date.slice(0, -3) : date} ${timeOfDay(rest)}`;
  return bc ? `${text} BC` : text;
}

/** numeric_send's layout: ndigits, weight, sign, dscale, then ndigits base-10000 digits. */
function numericText(b: Buffer): string {
  const ndigits = b.readInt16BE(0);
  const weight = b.readInt16BE(2);
  const sign = b.readUInt16BE(4);
  const dscale = b.readUInt16BE(6);
  if (sign === 0xc000) return 'NaN';
  if (sign === 0xd000) return 'Infinity';
  if (sign === 0xf000) return '-Infinity';
  const digits: number[] = [];
  for (let i = 0; i < ndigits; i++) digits.push(b.readInt16BE(8 + 2 * i));
  const digitAt = (i: number) => digits[i] ?? 0;
  let int = '';
  for (let i = 0; i <= weight; i++) int += i === 0 ? String(digitAt(i)) : pad(digitAt(i), 4);
  let frac = '';
  for (let i = weight + 1; frac.length < dscale; i++) frac += i < 0 ? '0000' : pad(digitAt(i), 4);
  const text = (int || '0') + (dscale > 0 ? `.${frac.slice(0, dscale)}` : '');
  return sign === 0x4000 ? `-${text}` : text;
}

/** A uuid's 16 bytes as `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`. */
function uuidText(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * The text of binary parameter `value`, declared as type `oid` in Parse: 0A000 for a type not
 * read here, 08P01 for bytes too few for their type.
 */
export function binaryParamText(value: Buffer, oid: number): string {
  try {
    return textOf(value, oid);
  } catch (e) {
    if (e instanceof RangeError)
      throw new WireError(
        SQLSTATE.protocolViolation,
        `a binary parameter of type ${oid} has too few bytes`,
      );
    throw e;
  }
}

function textOf(value: Buffer, oid: number): string {
  if (TEXT_OIDS.has(oid)) return value.toString('utf8');
  switch (oid) {
    case OID.bool:
      return value[0] ? 'true' : 'false';
    case OID.int2:
      return String(value.readInt16BE(0));
    case OID.int4:
      return String(value.readInt32BE(0));
    case OID.int8:
      return String(value.readBigInt64BE(0));
    case OID_OID:
      return String(value.readUInt32BE(0));
    case OID.float4: {
      // The shortest text that reads back as the same float4, not its double's 17 digits.
      const f = value.readFloatBE(0);
      for (let digits = 6; digits <= 9; digits++) {
        const t = Number(f.toPrecision(digits));
        if (Math.fround(t) === f) return String(t);
      }
      return String(f);
    }
    case OID.float8:
      return String(value.readDoubleBE(0));
    case OID.numeric:
      return numericText(value);
    case OID.date: {
      const days = value.readInt32BE(0);
      if (days === 0x7fffffff) return 'infinity';
      if (days === -0x80000000) return '-infinity';
      return dayText(BigInt(days) + 10_957n);
    }
    case OID.time:
      return timeOfDay(value.readBigInt64BE(0));
    case OID.timestamp:
    case OID.timestamptz: {
      const us = value.readBigInt64BE(0);
      if (us === 0x7fffffffffffffffn) return 'infinity';
      if (us === -0x8000000000000000n) return '-infinity';
      return timestampText(us) + (oid === OID.timestamptz ? '+00' : '');
    }
    case OID.interval: {
      const us = value.readBigInt64BE(0);
      const days = value.readInt32BE(8);
      const months = value.readInt32BE(12);
      return `${months} months ${days} days ${us} microseconds`;
    }
    case OID.uuid:
      return uuidText(value);
  }
  throw new WireError(
    SQLSTATE.featureNotSupported,
    oid === 0
      ? 'a binary parameter needs its type named in Parse: send it as text'
      : `binary parameters of type ${oid} are not supported: send it as text`,
  );
}

/**
 * Input rules every area shares (docs/conventions.md, "Input rules"): one date schema, one
 * timestamp schema, the NUL-character guard, ids, money, prices and fractions and the money-column
 * limit, so "a date", "a string" or "an amount" is refused the same way on every route (and in
 * the import, which tests its cells with the same patterns).
 *
 * Why not `new Date(text)` alone: V8 rolls impossible dates over (2026-02-30 → 2026-03-02) and
 * PostgreSQL then stores the wrong day without a word, so the calendar is checked first.
 */
import { z } from 'zod';
import { AppError } from './errors.ts';
import { decimalMeta } from './openapi.ts';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// The parts of an ISO 8601 timestamp, with the same capture groups in both patterns below:
// year, month, day, hour, minute, second, zone, offset hours, offset minutes.
const DAY_PART = String.raw`(\d{4})-(\d{2})-(\d{2})`;
const TIME_PART = String.raw`[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?`;
const ZONE_PART = String.raw`(Z|[+-](\d{2}):?(\d{2}))`;
/** Date, then optional time with seconds and fraction; a time needs an offset (Z or ±hh:mm). */
const TIMESTAMP = new RegExp(`^${DAY_PART}(?:${TIME_PART}${ZONE_PART})?$`, 'i');
/**
 * TIMESTAMP with the offset optional, a time without one meaning UTC: the import's form. CSV
 * exports of spreadsheets and many databases write local date-times without an offset, and a
 * history file is read in one go, with no one to ask; an API client sends one instant at a time
 * and must say which (docs/import.md, docs/conventions.md "Input rules").
 */
export const UTC_DEFAULT_TIMESTAMP = new RegExp(`^${DAY_PART}(?:${TIME_PART}${ZONE_PART}?)?$`, 'i');

/** True when year-month-day is a day of the Gregorian calendar (years 0001–9999). */
export function dateExists(year: number, month: number, day: number): boolean {
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  return day <= days;
}

/**
 * A calendar date `YYYY-MM-DD` that exists; output is the same string. `2026-02-30` is a 400
 * ("not a date that exists"), never rolled over to March.
 */
export const dateInput = z
  .string()
  .trim()
  .regex(DATE, 'must be a date YYYY-MM-DD')
  .refine((v) => {
    const m = DATE.exec(v); // zod runs every check, so this one also sees what the regex refused
    return !m || dateExists(Number(m[1]), Number(m[2]), Number(m[3]));
  }, 'not a date that exists');

/**
 * A point in time: ISO 8601 date-time with an offset (`2026-05-01T09:00:00Z`,
 * `2026-05-01T11:00:00+02:00`), or a bare date meaning midnight UTC. The day, hour, minute,
 * second and offset must exist; output is a Date.
 */
export const timestampInput = z
  .string()
  .trim()
  .regex(
    TIMESTAMP,
    'must be an ISO date-time with offset (e.g. 2026-05-01T09:00:00Z) or a date YYYY-MM-DD',
  )
  .refine((v) => {
    const m = TIMESTAMP.exec(v);
    return !m || timestampExists(m); // no match: the regex has said so already
  }, 'not a date and time that exists')
  .transform((v) => timestampDate(TIMESTAMP.exec(v)!));

/**
 * True when the day, hour (≤ 23), minute and second (≤ 59) and offset (≤ ±18:59) of a timestamp
 * matched by TIMESTAMP or UTC_DEFAULT_TIMESTAMP exist: Date would roll them over instead.
 */
export function timestampExists(m: RegExpExecArray): boolean {
  const [, y, mo, d, h = '0', mi = '0', s = '0', , oh = '0', om = '0'] = m;
  return (
    dateExists(Number(y), Number(mo), Number(d)) &&
    Number(h) <= 23 &&
    Number(mi) <= 59 &&
    Number(s) <= 59 &&
    Number(oh) <= 18 &&
    Number(om) <= 59
  );
}

/**
 * The instant of a timestamp matched by TIMESTAMP or UTC_DEFAULT_TIMESTAMP and checked by
 * timestampExists: a bare date is midnight UTC, a time without an offset is UTC.
 */
export function timestampDate(m: RegExpExecArray): Date {
  const [text, y, mo, d, h, , , zone] = m;
  if (h === undefined) return new Date(`${y}-${mo}-${d}T00:00:00Z`);
  return new Date(`${text.slice(0, 10)}T${text.slice(11)}${zone ? '' : 'Z'}`);
}

/** The message for a string holding U+0000. */
export const NUL_MESSAGE = 'must not contain the NUL character';

/**
 * True when `text` holds U+0000, which PostgreSQL text and jsonb cannot store (it answers
 * `invalid byte sequence for encoding "UTF8": 0x00`): the API's guard and the import's cells.
 */
export function containsNul(text: string): boolean {
  return text.includes('\0');
}

/**
 * Refuses U+0000 anywhere in a request part (strings and object keys, nested to any depth),
 * with one issue per offending path. PostgreSQL text and jsonb cannot hold it and answered with
 * `invalid byte sequence for encoding "UTF8": 0x00`; api/route.ts runs this over the path,
 * query and body of every operation before the operation's own schema.
 */
export const noNulCharacters = z.unknown().superRefine((value, ctx) => {
  const walk = (v: unknown, path: (string | number)[]) => {
    if (typeof v === 'string') {
      if (containsNul(v)) ctx.addIssue({ code: 'custom', path, message: NUL_MESSAGE });
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, [...path, i]));
    } else if (v && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) {
        if (containsNul(k)) ctx.addIssue({ code: 'custom', path, message: NUL_MESSAGE });
        else walk(item, [...path, k]);
      }
    }
  };
  walk(value, []);
});

/**
 * A database id in a JSON body: a positive integer a JS number holds exactly. A bigger one is a
 * 400 here rather than PostgreSQL's bigint overflow.
 */
export const idInput = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** A database id in a path or query string (text coerced to a number), bounded as idInput. */
export const idText = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** The `/:id` path parameter of every area. */
export const idParams = z.object({ id: idText });

/** An amount ≥ 0 as a money column (numeric(14,2)) holds it: ≤ 12 whole digits, ≤ 2 decimals. */
export const MONEY = /^\d{1,12}(\.\d{1,2})?$/;
/** A unit price ≥ 0 as a price column (numeric(14,4)) holds it: ≤ 10 whole digits, ≤ 4 decimals. */
export const PRICE = /^\d{1,10}(\.\d{1,4})?$/;
/** A fraction from 0 to 1 with ≤ 4 decimals (a discount, a probability). */
export const FRACTION = /^(0(\.\d{1,4})?|1(\.0{1,4})?)$/;

/** A decimal sent as a string or a number, kept as its trimmed text when it matches `pattern`. */
function decimalInput(pattern: RegExp, message: string) {
  return z
    .union([z.string(), z.number()])
    .transform((v) => String(v).trim())
    .refine((v) => pattern.test(v), { message })
    .meta(decimalMeta(pattern));
}

/** Money ≥ 0 with at most 2 decimals (MONEY). */
export const moneyInput = decimalInput(
  MONEY,
  'must be an amount ≥ 0 with at most 2 decimals, e.g. "1234.50"',
);

/** A unit price ≥ 0 with at most 4 decimals (PRICE). */
export const priceInput = decimalInput(
  PRICE,
  'must be a price ≥ 0 with at most 4 decimals, e.g. "19.99"',
);

/** A fraction between 0 and 1 with at most 4 decimals (FRACTION): a discount, a probability. */
export const fractionInput = decimalInput(
  FRACTION,
  'must be a number between 0 and 1 with at most 4 decimals',
);

/** The largest amount a money column (numeric(14,2)) holds. */
export const MAX_AMOUNT = '999999999999.99';

/** True when a decimal string, already rounded to cents, fits a numeric(14,2) money column. */
export function fitsAmount(value: string): boolean {
  const whole = /^-?0*(\d*)/.exec(value.trim())![1]!;
  return whole.length <= 12;
}

/**
 * 400 naming each field whose derived amount would not fit a money column: the schemas bound
 * every number sent, but a line total is quantity × unit price, and PostgreSQL's overflow
 * ("A field with precision 14, scale 2 must round…") names no field.
 */
export function refuseOversizedAmounts(amounts: readonly { field: string; value: string }[]) {
  const errors = amounts
    .filter((a) => !fitsAmount(a.value))
    .map((a) => ({
      field: a.field,
      in: 'body' as const,
      message: `the amount would exceed ${MAX_AMOUNT}`,
    }));
  if (errors.length) throw new AppError('bad_request', `amounts above ${MAX_AMOUNT}`, { errors });
}

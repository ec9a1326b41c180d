/**
 * CSV text for `COPY … (FORMAT csv)`, built by string concatenation only: an unquoted empty field
 * is NULL, money is formatted from integers (cents or ten-thousandths) so no float ever rounds a
 * price, timestamps are ISO 8601 UTC from cached day and time-of-day strings.
 */
import { SECONDS_PER_DAY } from './calendar.ts';

/** Target size of one CSV chunk handed to COPY (characters ≈ bytes, the data is ASCII-heavy). */
export const CHUNK_CHARS = 2 * 1024 * 1024;

const NEEDS_QUOTES = /[",\n\r]/;

/** A text field: quoted when it contains a delimiter; '' becomes `""` (empty text, not NULL). */
export function text(value: string): string {
  if (value === '') return '""';
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A nullable text field (null → empty unquoted field → NULL). */
export function optText(value: string | null): string {
  return value === null ? '' : text(value);
}

/** jsonb: JSON text, CSV-quoted. */
export function json(value: unknown): string {
  return text(JSON.stringify(value));
}

/** text[] literal `{a,b}`; elements must not need array quoting (ours are simple tags). */
export function textArray(items: readonly string[]): string {
  return text(`{${items.join(',')}}`);
}

const PAD2: string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : `${i}`));
const PAD4: string[] = Array.from({ length: 10_000 }, (_, i) => `${i}`.padStart(4, '0'));

/** Integer cents → "1234.56" (negative allowed, e.g. a refund delta). */
export function cents(value: number): string {
  if (value < 0) return `-${cents(-value)}`;
  return `${Math.floor(value / 100)}.${PAD2[value % 100]}`;
}

/** Integer ten-thousandths (numeric(14,4) prices, numeric(5,4) fractions) → "12.3456". */
export function tenK(value: number): string {
  if (value < 0) return `-${tenK(-value)}`;
  return `${Math.floor(value / 10_000)}.${PAD4[value % 10_000]}`;
}

const dayStrings = new Map<number, string>();
/** 'YYYY-MM-DD' of an epoch day (cached: a run touches ~1,000 distinct days). */
export function isoDate(epochDay: number): string {
  let s = dayStrings.get(epochDay);
  if (s === undefined) {
    s = new Date(epochDay * SECONDS_PER_DAY * 1000).toISOString().slice(0, 10);
    dayStrings.set(epochDay, s);
  }
  return s;
}

const timeStrings: string[] = new Array<string>(SECONDS_PER_DAY);
/** 'HH:MM:SS' of a second of the day (cached lazily). */
function isoTime(secondOfDay: number): string {
  let s = timeStrings[secondOfDay];
  if (s === undefined) {
    const h = Math.floor(secondOfDay / 3600);
    const m = Math.floor((secondOfDay % 3600) / 60);
    s = `${PAD2[h]}:${PAD2[m]}:${PAD2[secondOfDay % 60]}`;
    timeStrings[secondOfDay] = s;
  }
  return s;
}

/** Epoch seconds → '2024-05-01T09:30:00Z'. */
export function isoTimestamp(epochSec: number): string {
  const day = Math.floor(epochSec / SECONDS_PER_DAY);
  return `${isoDate(day)}T${isoTime(epochSec - day * SECONDS_PER_DAY)}Z`;
}

/** A nullable timestamp; null (or a negative "never happened" marker) → NULL. */
export function optTimestamp(epochSec: number | null): string {
  return epochSec === null || epochSec < 0 ? '' : isoTimestamp(epochSec);
}

/** Group rows (each ending in '\n') into chunks of about CHUNK_CHARS for COPY. */
export function* chunkRows(rows: Iterable<string>): Generator<string> {
  let buf = '';
  for (const row of rows) {
    buf += row;
    if (buf.length >= CHUNK_CHARS) {
      yield buf;
      buf = '';
    }
  }
  if (buf !== '') yield buf;
}

/**
 * Half-away-from-zero rounding of an exact integer ratio n / d (n ≥ 0, both integers < 2^53),
 * e.g. quantity × price(1e-4) × (1 − discount)(1e-4) → cents with d = 1e6. Integer remainder,
 * so 0.5 cents always rounds up, unlike Math.round on a float product.
 */
export function roundDiv(n: number, d: number): number {
  const r = n % d;
  return (n - r) / d + (2 * r >= d ? 1 : 0);
}

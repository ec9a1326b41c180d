/**
 * When demo orders happen: a two-year window ending at the as-of date, with weekly seasonality
 * (B2B: weekdays ≫ weekends), yearly seasonality (Q4 peak, August dip) and ~25 %/year growth.
 * Days are integer "epoch days" (days since 1970-01-01 UTC) so no Date is allocated per order.
 */
import type { Rng } from './prng.ts';

export const SECONDS_PER_DAY = 86_400;
/** Two years of orders. */
export const WINDOW_DAYS = 730;
/** Yearly growth of order volume. */
export const YEARLY_GROWTH = 0.25;

/** The demo's time frame. Orders fall on [startDay, endDay); `nowSec` is the data's "now". */
export interface DemoWindow {
  startDay: number;
  /** Exclusive: the as-of date itself has no orders, so nothing is dated after "now". */
  endDay: number;
  nowSec: number;
}

/** The window ending at the UTC date of `endDate` (its time of day is ignored). */
export function demoWindow(endDate: Date): DemoWindow {
  const endDay = Math.floor(endDate.getTime() / 1000 / SECONDS_PER_DAY);
  return { startDay: endDay - WINDOW_DAYS, endDay, nowSec: endDay * SECONDS_PER_DAY };
}

/** 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday). */
export function weekday(epochDay: number): number {
  return (epochDay + 3) % 7;
}

/** Relative order volume by weekday: businesses order Monday to Friday. */
const WEEKDAY_FACTOR = [1.1, 1.05, 1.0, 1.0, 0.85, 0.15, 0.06];

/** Day of the year, 0-based, and month (0-11) of an epoch day. */
export function monthOf(epochDay: number): { year: number; month: number } {
  const d = new Date(epochDay * SECONDS_PER_DAY * 1000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() };
}

function dayOfYear(epochDay: number): number {
  const d = new Date(epochDay * SECONDS_PER_DAY * 1000);
  return Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000);
}

/**
 * Relative volume of one day: weekday × season × growth. The season peaks in mid-December
 * (Q4 budgets), dips in August (holidays) and around New Year.
 */
export function dayWeight(epochDay: number, window: DemoWindow): number {
  const doy = dayOfYear(epochDay);
  const q4 = 1 + 0.3 * Math.cos((2 * Math.PI * (doy - 335)) / 365);
  const summer = 1 - 0.3 * Math.exp(-(((doy - 220) / 20) ** 2));
  const holidays = doy > 355 || doy < 3 ? 0.35 : 1;
  const growth = (1 + YEARLY_GROWTH) ** ((epochDay - window.startDay) / 365);
  return (WEEKDAY_FACTOR[weekday(epochDay)] as number) * q4 * summer * holidays * growth;
}

/**
 * How many of `orders` fall on each day of the window, in proportion to dayWeight. Rounding the
 * running total (not each day) keeps every day within one order of its share and the sum exact;
 * largest-remainder rounding would starve Sundays at small sizes (0.2 expected → always 0).
 */
export function ordersPerDay(window: DemoWindow, orders: number): Int32Array {
  const weights = new Float64Array(WINDOW_DAYS);
  let total = 0;
  for (let i = 0; i < WINDOW_DAYS; i++) {
    weights[i] = dayWeight(window.startDay + i, window);
    total += weights[i] as number;
  }
  const counts = new Int32Array(WINDOW_DAYS);
  let running = 0;
  let assigned = 0;
  for (let i = 0; i < WINDOW_DAYS; i++) {
    running += (orders * (weights[i] as number)) / total;
    const upTo = i === WINDOW_DAYS - 1 ? orders : Math.min(orders, Math.round(running));
    counts[i] = Math.max(0, upTo - assigned);
    assigned += counts[i] as number;
  }
  return counts;
}

/** Share of orders per hour of a working day: morning peak, lunch dip, little at night. */
const HOUR_WEIGHTS = [
  0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.8, 2.5, 5, 7, 7.5, 6.5, 4, 5, 6, 5.5, 4.5, 3, 1.5, 1, 0.7, 0.5,
  0.3, 0.2,
];
const HOUR_CUM = (() => {
  const cum: number[] = [];
  let s = 0;
  for (const w of HOUR_WEIGHTS) cum.push((s += w));
  return cum.map((c) => c / s);
})();

/** Seconds after midnight UTC for an order placed that day. */
export function orderTimeOfDay(rng: Rng): number {
  const u = rng.next();
  let hour = 0;
  while (hour < 23 && (HOUR_CUM[hour] as number) <= u) hour++;
  return hour * 3600 + Math.floor(rng.next() * 3600);
}

/** Business time, for follow-up events (shipping, deliveries): 07:00–18:00. */
export function businessTimeOfDay(rng: Rng): number {
  return 7 * 3600 + Math.floor(rng.next() * 11 * 3600);
}

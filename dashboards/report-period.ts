/**
 * A scheduled report's period: the `from` and `to` a run draws, computed from the day it runs in
 * the report's time zone. Every period is whole days that have already ended: a KPI tile compares
 * its period with the one before and with the same dates a year back, and a period running into
 * today (or beyond) would show a fall that is only days not yet lived — the trap the dashboard
 * page's default range avoids too (api/pages/dashboard-routes.ts).
 */

/** The periods a report may name (dashboards/reports.yaml `period`). */
export const REPORT_PERIODS = [
  'yesterday',
  'last-7-days',
  'last-week',
  'last-month',
  'last-quarter',
  'last-12-months',
] as const;
export type ReportPeriod = (typeof REPORT_PERIODS)[number];

/** A date range as the dashboards take it: YYYY-MM-DD, both ends included. */
export interface DateRange {
  from: string;
  to: string;
}

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const utc = (y: number, m: number, d: number) => Date.UTC(y, m, d);

/** The calendar day `instant` falls on in `timeZone`, as YYYY-MM-DD. */
export function dayIn(instant: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(instant);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/**
 * The range `period` names for a run on `today` (YYYY-MM-DD). Weeks run Monday to Sunday
 * (ISO 8601); a quarter is January–March and so on.
 */
export function periodRange(period: ReportPeriod, today: string): DateRange {
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  const t = utc(y, m - 1, d);
  switch (period) {
    case 'yesterday':
      return { from: iso(t - DAY), to: iso(t - DAY) };
    case 'last-7-days':
      return { from: iso(t - 7 * DAY), to: iso(t - DAY) };
    case 'last-week': {
      const monday = t - ((new Date(t).getUTCDay() + 6) % 7) * DAY;
      return { from: iso(monday - 7 * DAY), to: iso(monday - DAY) };
    }
    case 'last-month':
      return { from: iso(utc(y, m - 2, 1)), to: iso(utc(y, m - 1, 0)) };
    case 'last-quarter': {
      const q = m - 1 - ((m - 1) % 3); // this quarter's first month, 0-based
      return { from: iso(utc(y, q - 3, 1)), to: iso(utc(y, q, 0)) };
    }
    case 'last-12-months':
      return { from: iso(utc(y, m - 13, 1)), to: iso(utc(y, m - 1, 0)) };
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `from`–`to` as a person reads it: "1 – 7 Jun 2026", "25 May – 7 Jun 2026", "3 Mar 2026". */
export function rangeText(from: string | undefined, to: string | undefined): string {
  const parts = (s: string) => s.split('-').map(Number) as [number, number, number];
  const day = ([y, m, d]: number[], withYear = true, withMonth = true) =>
    [d, withMonth ? MONTHS[m! - 1] : '', withYear ? y : ''].filter((x) => x !== '').join(' ');
  if (from && to) {
    const a = parts(from);
    const b = parts(to);
    if (from === to) return day(a);
    const sameYear = a[0] === b[0];
    const sameMonth = sameYear && a[1] === b[1];
    return `${day(a, !sameYear, !sameMonth)} – ${day(b)}`;
  }
  if (from) return `from ${day(parts(from))}`;
  if (to) return `until ${day(parts(to))}`;
  return 'all dates';
}

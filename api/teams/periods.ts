/**
 * Quota periods, pure. A period is [start, end) in calendar days; starts are aligned to the
 * calendar (a month's first day, a quarter's first day, 1 January), so one rep or team has at
 * most one quota per period type and the warehouse can join quotas to calendar periods directly.
 */

export const PERIOD_TYPES = ['month', 'quarter', 'year'] as const;
export type PeriodType = (typeof PERIOD_TYPES)[number];

const MONTHS: Record<PeriodType, number> = { month: 1, quarter: 3, year: 12 };

/** Why `start` is not a valid start for `type`, or null when it is. */
export function alignmentProblem(type: PeriodType, start: string): string | null {
  const [, m, d] = start.split('-').map(Number) as [number, number, number];
  if (d !== 1) return `a ${type} starts on the first day of a month`;
  if (type === 'quarter' && (m - 1) % 3 !== 0) return 'a quarter starts on 1 Jan, Apr, Jul or Oct';
  if (type === 'year' && m !== 1) return 'a year starts on 1 January';
  return null;
}

/** The first day after the period (exclusive end), 'YYYY-MM-DD'. */
export function periodEnd(type: PeriodType, start: string): string {
  const [y, m] = start.split('-').map(Number) as [number, number];
  const months = y * 12 + (m - 1) + MONTHS[type];
  const yy = Math.floor(months / 12);
  const mm = (months % 12) + 1;
  return `${String(yy).padStart(4, '0')}-${String(mm).padStart(2, '0')}-01`;
}

/** Do two [start, end) periods share at least one day? (ISO dates compare as strings.) */
export function periodsOverlap(
  a: { type: PeriodType; start: string },
  b: { type: PeriodType; start: string },
): boolean {
  return a.start < periodEnd(b.type, b.start) && b.start < periodEnd(a.type, a.start);
}

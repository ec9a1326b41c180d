/**
 * Calendar days as the warehouse's DATE text (YYYY-MM-DD). Arithmetic on UTC midnights, so a
 * day is always 24 h whatever the machine's time zone.
 */
import { AppError } from '../api/errors.ts';

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `day` plus `n` days (n may be negative); 422 when `day` is not a real calendar day. */
export function addDays(day: string, n: number): string {
  const m = DAY.exec(day);
  const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || new Date(t).toISOString().slice(0, 10) !== day)
    throw new AppError('unprocessable', `not a day (YYYY-MM-DD): ${JSON.stringify(day)}`);
  return new Date(t + n * 86_400_000).toISOString().slice(0, 10);
}

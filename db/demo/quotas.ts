/**
 * Monthly quotas per rep and per team, set from the revenue the simulation actually realised, so
 * attainment lands around 100 % with real spread: each rep has a bias (some are set stretch
 * targets, some easy ones) and each month some noise.
 */
import { monthOf, SECONDS_PER_DAY, type DemoWindow } from './calendar.ts';
import { cents, isoDate } from './csv.ts';
import type { DemoRep } from './people.ts';
import type { Rng } from './prng.ts';

/** Revenue (cents, net of returns) per rep and calendar month of the window. */
export class RepRevenue {
  private readonly firstMonth: number;
  readonly months: number;
  private readonly cents: Float64Array;

  constructor(
    private readonly window: DemoWindow,
    private readonly repCount: number,
  ) {
    const first = monthOf(window.startDay);
    const last = monthOf(window.endDay - 1);
    this.firstMonth = first.year * 12 + first.month;
    this.months = last.year * 12 + last.month - this.firstMonth + 1;
    this.cents = new Float64Array(repCount * this.months);
  }

  monthIndex(year: number, month: number): number {
    return year * 12 + month - this.firstMonth;
  }

  add(repId: number, monthIdx: number, amountCents: number): void {
    const i = (repId - 1) * this.months + monthIdx;
    this.cents[i] = (this.cents[i] as number) + amountCents;
  }

  get(repId: number, monthIdx: number): number {
    return this.cents[(repId - 1) * this.months + monthIdx] as number;
  }

  /** First day (epoch day) of month index m, and its length in days. */
  monthSpan(m: number): { firstDay: number; days: number } {
    const abs = this.firstMonth + m;
    const y = Math.floor(abs / 12);
    const mo = abs % 12;
    const firstDay = Date.UTC(y, mo, 1) / 1000 / SECONDS_PER_DAY;
    const nextDay = Date.UTC(y, mo + 1, 1) / 1000 / SECONDS_PER_DAY;
    return { firstDay, days: nextDay - firstDay };
  }

  /** Days of month m inside the window (the first and last month are partial). */
  daysInWindow(m: number): number {
    const { firstDay, days } = this.monthSpan(m);
    const from = Math.max(firstDay, this.window.startDay);
    const to = Math.min(firstDay + days, this.window.endDay);
    return Math.max(0, to - from);
  }

  get reps(): number {
    return this.repCount;
  }
}

/** Quota rows: every rep, then every team (= Σ its reps), for each month of the window. */
export function* quotaRows(
  rng: Rng,
  revenue: RepRevenue,
  reps: readonly DemoRep[],
): Generator<string> {
  const quotas = new Float64Array(reps.length * revenue.months);
  for (const rep of reps) {
    // Extrapolate partial months to a full month, then blend with the rep's average month so a
    // quiet month does not get a zero quota.
    const monthly: number[] = [];
    for (let m = 0; m < revenue.months; m++) {
      const inWindow = revenue.daysInWindow(m);
      monthly.push(
        inWindow > 0 ? (revenue.get(rep.id, m) / inWindow) * revenue.monthSpan(m).days : 0,
      );
    }
    const average = monthly.reduce((s, v) => s + v, 0) / monthly.length;
    const bias = rng.range(0.85, 1.2);
    monthly.forEach((v, m) => {
      // The window starts mid-month and has no orders before it: scale that month's quota down
      // to the covered days so its attainment is comparable. The last month keeps a full quota
      // (the month is simply not over yet).
      const covered = m === 0 ? revenue.daysInWindow(0) / revenue.monthSpan(0).days : 1;
      const target = (0.6 * v + 0.4 * average) * covered * bias * rng.range(0.9, 1.1);
      // Round to whole 100 €; at least 1,000 € so attainment is always defined.
      quotas[(rep.id - 1) * revenue.months + m] = Math.max(
        100_000,
        Math.round(target / 10_000) * 10_000,
      );
    });
  }
  let id = 0;
  const periodStart = (m: number) => isoDate(revenue.monthSpan(m).firstDay);
  for (const rep of reps) {
    for (let m = 0; m < revenue.months; m++) {
      yield `${++id},${rep.id},,month,${periodStart(m)},${cents(quotas[(rep.id - 1) * revenue.months + m] as number)}\n`;
    }
  }
  const teams = [...new Set(reps.map((r) => r.team))];
  for (const team of teams) {
    for (let m = 0; m < revenue.months; m++) {
      let sum = 0;
      for (const rep of reps)
        if (rep.team === team) sum += quotas[(rep.id - 1) * revenue.months + m] as number;
      yield `${++id},,${team},month,${periodStart(m)},${cents(sum)}\n`;
    }
  }
}

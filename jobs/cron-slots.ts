/**
 * When a cron expression fires in a time zone: its slots as instants, across DST changes.
 *
 * Why not node-cron's own timer (`cron.schedule(expr, fn, { timezone })`): measured with 4.6.0
 * in Europe/Berlin,
 * - `30 2 * * *` does not run at all on 2026-03-29: its walker maps 02:30 (a time that does not
 *   exist that day) to 03:30 CEST, then rejects it because 03:30 fails its own match;
 * - `*\/15 * * * *` goes from 01:45 CEST straight to 02:00 CET on 2026-10-25 (23:45Z → 01:00Z):
 *   the first pass through 02:00–02:59 is skipped, four slots and 75 minutes without a run;
 * - a heartbeat more than 1 s late (the event loop busy in a DuckDB or PGlite call) drops the
 *   slot with a console warning instead of running it late.
 * So node-cron parses and validates the expression and matches wall-clock times (it does that
 * in UTC, which has no DST), and this file maps wall-clock times to instants with Intl, the way
 * RFC 5545 (§3.3.5) and Temporal's `compatible` disambiguation do:
 * - a time skipped by the spring-forward gap runs with the offset from before the gap, i.e. as
 *   long after the change as it was meant to be before it: 02:30 → 03:30 CEST. A daily job still
 *   runs that day, once; an every-15-minutes job's 02:15 lands on 03:15, which it runs anyway.
 * - a time repeated by the fall-back runs at its first occurrence only — unless the expression
 *   has `*` in its minute or hour field (every N minutes, hourly), which then follows the clock
 *   through both passes and keeps its real spacing. That is Vixie/Debian cron's rule (man 8 cron).
 * Every process computes the same instants, so (job, slot) is a key shared across instances.
 */
import cron, { type ScheduledTask } from 'node-cron';

const SECOND = 1000;
const DAY = 86_400 * SECOND;
/** Longer than any real backward clock change (1 h; 30 min on Lord Howe Island). */
const REPEAT_WINDOW = 3 * 3600 * SECOND;
/** node-cron's own horizon: a Feb 29 that must fall on a Monday can be 28 years away. */
const MAX_DAYS = 366 * 100;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * The wall-clock time an instant shows in a zone, as a "floating" epoch number: the ms value
 * Date.UTC would give those calendar fields (whole seconds).
 */
export function wallClockAt(instant: number, timeZone: string): number {
  const p: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
}

function offsetAt(instant: number, timeZone: string): number {
  return wallClockAt(instant, timeZone) - Math.floor(instant / SECOND) * SECOND;
}

/**
 * The instants that show a wall-clock time: one, two (repeated by a fall-back, earlier first)
 * or, for a time the spring-forward skipped, the one the offset from before the gap gives.
 */
export function instantsOf(
  wallClock: number,
  timeZone: string,
): { instants: number[]; gap: boolean } {
  // At most one offset change within a day either side, as in every real zone.
  const before = wallClock - offsetAt(wallClock - DAY, timeZone);
  const after = wallClock - offsetAt(wallClock + DAY, timeZone);
  const instants = [...new Set([before, after])]
    .filter((i) => wallClockAt(i, timeZone) === wallClock)
    .sort((a, b) => a - b);
  return instants.length > 0 ? { instants, gap: false } : { instants: [before], gap: true };
}

/** Whether a repeated wall-clock time runs in both passes: `*` in the minute or hour field. */
function followsClockThroughRepeat(expression: string): boolean {
  const text = expression.trim().toLowerCase();
  if (text.startsWith('@')) return text === '@hourly';
  const fields = text.split(/\s+/);
  const [minute, hour] = fields.length === 6 ? fields.slice(1, 3) : fields.slice(0, 2);
  return Boolean(minute?.startsWith('*') || hour?.startsWith('*'));
}

/**
 * The slots of one cron expression in one time zone. Holds a node-cron task (never started:
 * it only matches dates) that sits in node-cron's task registry until dispose().
 */
export class CronSlots {
  private readonly matcher: ScheduledTask;
  private readonly seconds: number[];
  private readonly minutes: number[];
  private readonly hours: number[];
  private readonly bothPasses: boolean;

  /** Throws node-cron's error for an invalid expression (resolveSchedules checks them first). */
  constructor(
    readonly expression: string,
    readonly timeZone: string,
  ) {
    const fields = cron.parse(expression);
    const asc = (v: number[]) => [...v].sort((a, b) => a - b);
    this.seconds = asc(fields.second);
    this.minutes = asc(fields.minute);
    this.hours = asc(fields.hour);
    // Wall-clock times are floating UTC values, so the matcher runs in UTC, free of DST.
    this.matcher = cron.createTask(expression, () => undefined, { timezone: 'UTC' });
    this.bothPasses = followsClockThroughRepeat(expression);
  }

  /** The first wall-clock time strictly after `wallClock` that the expression matches. */
  private nextWallClock(wallClock: number): number | null {
    let day = Math.floor(wallClock / DAY) * DAY;
    const firstTimeOfDay =
      ((this.hours[0]! * 60 + this.minutes[0]!) * 60 + this.seconds[0]!) * SECOND;
    for (let i = 0; i < MAX_DAYS; i++, day += DAY) {
      // The time fields always match their own first values, so this tests month and day alone.
      if (!this.matcher.match(new Date(day + firstTimeOfDay))) continue;
      for (const h of this.hours) {
        if (day + (h + 1) * 3600 * SECOND <= wallClock) continue;
        for (const m of this.minutes) {
          for (const s of this.seconds) {
            const t = day + ((h * 60 + m) * 60 + s) * SECOND;
            if (t > wallClock) return t;
          }
        }
      }
    }
    return null;
  }

  /** The first slot strictly after `instant` (ms), or null if the expression never matches again. */
  after(instant: number): number | null {
    // Inside the first pass of a coming fall-back, the wall-clock times just behind this one
    // come round again, so the search starts that far back.
    const fallBack = Math.max(
      0,
      offsetAt(instant, this.timeZone) - offsetAt(instant + REPEAT_WINDOW, this.timeZone),
    );
    let wallClock = wallClockAt(instant, this.timeZone) - fallBack;
    let best: number | null = null;
    for (;;) {
      const next = this.nextWallClock(wallClock);
      if (next === null) return best;
      wallClock = next;
      const { instants, gap } = instantsOf(next, this.timeZone);
      // Real wall-clock times map to increasing instants, so once one is past the best found,
      // none after it can beat it. A gap time (shifted forward) proves nothing.
      if (best !== null && !gap && instants[0]! >= best) return best;
      for (const slot of this.bothPasses ? instants : instants.slice(0, 1)) {
        if (slot > instant && (best === null || slot < best)) best = slot;
      }
    }
  }

  /** Drop the matcher from node-cron's registry. */
  dispose(): void {
    void this.matcher.destroy();
  }
}

/**
 * Calls `fire(job, slot)` when a job's schedule comes due. Nothing else: the runtime queues
 * the run, records it and keeps runs from overlapping, so a slow run never delays a timer here.
 *
 * `slot` is the slot's nominal instant (whole second, in practice a minute boundary), computed
 * from the expression and the zone alone (jobs/cron-slots.ts), never from when the timer woke:
 * every instance on one database names a slot alike, so (job, slot) can be its unique key.
 * A job with several schedules (the report job: one per report) has a timer per schedule, each
 * in its own zone, and `fire` says which one came due.
 */
import { CronSlots } from './cron-slots.ts';
import type { ResolvedSchedule } from './schedule.ts';

/** What names a schedule among all: the job, or `job:entry` for one of several. */
export function scheduleKey(s: Pick<ResolvedSchedule, 'job' | 'entry'>): string {
  return s.entry === undefined ? s.job : `${s.job}:${s.entry}`;
}

/**
 * The longest timer: Node's timers run on a monotonic clock that stops while the machine
 * sleeps and ignores wall-clock steps, so the wall clock is looked at again at least this often.
 */
const MAX_WAIT_MS = 60_000;

export interface SchedulerOptions {
  readonly schedules: readonly ResolvedSchedule[];
  /** IANA zone the expressions are read in (config.jobsTimezone). */
  readonly timezone: string;
  /**
   * Called once per due slot, synchronously from a timer; the next timer is armed first. It
   * must not throw (an exception would escape the timer); queue the work and return. `schedule`
   * tells one of a job's several schedules from another (its entry and params).
   */
  readonly fire: (job: string, scheduledFor: Date, schedule: ResolvedSchedule) => void;
}

interface JobTimer {
  readonly job: string;
  /** The schedule's key (scheduleKey): the job, or job:entry. */
  readonly key: string;
  readonly schedule: ResolvedSchedule;
  readonly slots: CronSlots;
  /** The next slot to fire (ms), or null when the expression never matches again. */
  next: number | null;
  /** The last slot fired: a slot at or before it never fires again in this process. */
  lastFired: number;
  timer: NodeJS.Timeout | undefined;
}

/** One timer per schedule (a job's, or each entry of a job with several), in one process. */
export class Scheduler {
  private readonly timers = new Map<string, JobTimer>();
  private readonly lastFired = new Map<string, number>();
  private running = false;

  constructor(private readonly options: SchedulerOptions) {}

  /** Arm every job that has a schedule. Slots already past are not fired. */
  start(): void {
    if (this.running) return;
    this.running = true;
    for (const schedule of this.options.schedules) {
      const { job, cron } = schedule;
      if (cron === null) continue;
      const key = scheduleKey(schedule);
      const lastFired = Math.max(Date.now(), this.lastFired.get(key) ?? 0);
      const slots = new CronSlots(cron, schedule.timezone ?? this.options.timezone);
      const next = slots.after(lastFired);
      const t: JobTimer = { job, key, schedule, slots, next, lastFired, timer: undefined };
      this.timers.set(key, t);
      this.arm(t);
    }
  }

  /** Clear every timer (the process can exit); start() again resumes after the last slot fired. */
  stop(): void {
    this.running = false;
    for (const t of this.timers.values()) {
      clearTimeout(t.timer);
      t.slots.dispose();
      this.lastFired.set(t.key, t.lastFired);
    }
    this.timers.clear();
  }

  /**
   * When the job fires next in this process (the soonest of its schedules); null if it has no
   * schedule or the scheduler is stopped.
   */
  nextRun(job: string): Date | null {
    const times = [...this.timers.values()]
      .filter((t) => t.job === job && t.next !== null)
      .map((t) => t.next!);
    return times.length ? new Date(Math.min(...times)) : null;
  }

  /** When the schedule `key` (scheduleKey) fires next; null as for nextRun. */
  nextRunOf(key: string): Date | null {
    const next = this.timers.get(key)?.next;
    return next === undefined || next === null ? null : new Date(next);
  }

  private arm(t: JobTimer): void {
    if (t.next === null) return;
    const wait = Math.min(Math.max(0, t.next - Date.now()), MAX_WAIT_MS);
    t.timer = setTimeout(() => this.wake(t), wait);
  }

  private wake(t: JobTimer): void {
    t.timer = undefined;
    const now = Date.now();
    const due = t.next;
    if (due === null || now < due) return this.arm(t);
    // Late (machine asleep, loop blocked): the first missed slot runs once, late, and the rest
    // of the missed ones are skipped rather than piled up.
    t.lastFired = due;
    t.next = t.slots.after(Math.max(due, now));
    this.arm(t);
    this.options.fire(t.job, new Date(due), t.schedule);
  }
}

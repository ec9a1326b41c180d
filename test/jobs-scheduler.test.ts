/**
 * The scheduler's timers under vitest's fake clock: jobs fire at the wall-clock times their
 * expressions name in Europe/Berlin, across the 2026 DST changes (29 March 02:00 → 03:00,
 * 25 October 03:00 → 02:00), each slot once, and stop() leaves no timer behind.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Scheduler } from '../jobs/scheduler.ts';
import type { ResolvedSchedule } from '../jobs/schedule.ts';

const ZONE = 'Europe/Berlin';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** "2026-03-29 03:30 GMT+2": the wall-clock time and the offset it was read with. */
const berlin = new Intl.DateTimeFormat('sv-SE', {
  timeZone: ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  timeZoneName: 'shortOffset',
});
const local = (d: Date) => berlin.format(d);

interface Fired {
  job: string;
  scheduledFor: Date;
  at: number;
}

function schedules(crons: Record<string, string | null>): ResolvedSchedule[] {
  return Object.entries(crons).map(([job, cron]) => ({ job, cron, source: 'default' }));
}

/** Start a scheduler at `from`, let the fake clock run `forMs`, and return what fired. */
function runFrom(from: string, forMs: number, crons: Record<string, string | null>) {
  vi.useFakeTimers();
  vi.setSystemTime(new Date(from));
  const fired: Fired[] = [];
  const scheduler = new Scheduler({
    schedules: schedules(crons),
    timezone: ZONE,
    fire: (job, scheduledFor) => fired.push({ job, scheduledFor, at: Date.now() }),
  });
  scheduler.start();
  vi.advanceTimersByTime(forMs);
  return { fired, scheduler };
}

function localTimes(fired: Fired[], job: string): string[] {
  return fired.filter((f) => f.job === job).map((f) => local(f.scheduledFor));
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Scheduler across DST in Europe/Berlin', () => {
  it('fires each slot at its own instant, named by its nominal time', () => {
    const { fired, scheduler } = runFrom('2026-03-26T10:00:17.250Z', 5 * 24 * HOUR, {
      nightly: '30 2 * * *',
      quarter: '*/15 * * * *',
      weekday: '0 9 * * 1-5',
    });
    scheduler.stop();
    expect(fired.length).toBeGreaterThan(400);
    for (const f of fired) {
      expect(f.at).toBe(f.scheduledFor.getTime());
      expect(f.scheduledFor.getTime() % MINUTE).toBe(0);
    }
  });

  it('runs a daily 02:30 job once on the spring-forward day, at 03:30 CEST', () => {
    const { fired, scheduler } = runFrom('2026-03-27T12:00:00Z', 4 * 24 * HOUR, {
      nightly: '30 2 * * *',
    });
    scheduler.stop();
    expect(localTimes(fired, 'nightly')).toEqual([
      '2026-03-28 02:30 GMT+1',
      '2026-03-29 03:30 GMT+2',
      '2026-03-30 02:30 GMT+2',
      '2026-03-31 02:30 GMT+2',
    ]);
  });

  it('runs a daily 02:30 job once on the fall-back day, at the first 02:30', () => {
    const { fired, scheduler } = runFrom('2026-10-23T12:00:00Z', 4 * 24 * HOUR, {
      nightly: '30 2 * * *',
    });
    scheduler.stop();
    expect(localTimes(fired, 'nightly')).toEqual([
      '2026-10-24 02:30 GMT+2',
      '2026-10-25 02:30 GMT+2',
      '2026-10-26 02:30 GMT+1',
      '2026-10-27 02:30 GMT+1',
    ]);
  });

  it('keeps */15 every 15 real minutes through both changes', () => {
    for (const from of ['2026-03-28T22:00:00Z', '2026-10-24T22:00:00Z']) {
      const { fired, scheduler } = runFrom(from, 6 * HOUR, { quarter: '*/15 * * * *' });
      scheduler.stop();
      const at = fired.map((f) => f.scheduledFor.getTime());
      expect(at).toHaveLength(24);
      for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBe(15 * MINUTE);
    }
    // Both passes through 02:00–02:59 on the fall-back night.
    const { fired } = runFrom('2026-10-24T23:50:00Z', 90 * MINUTE, { quarter: '*/15 * * * *' });
    expect(localTimes(fired, 'quarter')).toEqual([
      '2026-10-25 02:00 GMT+2',
      '2026-10-25 02:15 GMT+2',
      '2026-10-25 02:30 GMT+2',
      '2026-10-25 02:45 GMT+2',
      '2026-10-25 02:00 GMT+1',
      '2026-10-25 02:15 GMT+1',
    ]);
  });

  it('fires a 09:00 weekday job at 09:00 local on either side of each change', () => {
    const spring = runFrom('2026-03-26T12:00:00Z', 5 * 24 * HOUR, { weekday: '0 9 * * 1-5' });
    spring.scheduler.stop();
    expect(spring.fired.map((f) => f.scheduledFor.toISOString())).toEqual([
      '2026-03-27T08:00:00.000Z', // Friday, CET
      '2026-03-30T07:00:00.000Z', // Monday, CEST
      '2026-03-31T07:00:00.000Z',
    ]);
    const autumn = runFrom('2026-10-22T12:00:00Z', 5 * 24 * HOUR, { weekday: '0 9 * * 1-5' });
    autumn.scheduler.stop();
    expect(autumn.fired.map((f) => f.scheduledFor.toISOString())).toEqual([
      '2026-10-23T07:00:00.000Z', // Friday, CEST
      '2026-10-26T08:00:00.000Z', // Monday, CET
      '2026-10-27T08:00:00.000Z',
    ]);
  });
});

describe('Scheduler', () => {
  it('names slots alike in two processes started at different moments', () => {
    const a = runFrom('2026-06-01T10:00:00Z', 2 * HOUR, { alerts: '*/5 * * * *' });
    a.scheduler.stop();
    const b = runFrom('2026-06-01T10:07:13.456Z', 2 * HOUR - 7 * MINUTE, { alerts: '*/5 * * * *' });
    b.scheduler.stop();
    const slotsOf = (f: Fired[]) => f.map((x) => x.scheduledFor.toISOString());
    expect(slotsOf(b.fired)).toEqual(slotsOf(a.fired).slice(1));
    expect(slotsOf(b.fired)[0]).toBe('2026-06-01T10:10:00.000Z');
  });

  it('answers the next run while started, null when stopped or off', () => {
    const { scheduler } = runFrom('2026-06-01T10:01:00Z', 0, {
      alerts: '*/5 * * * *',
      build: null,
    });
    expect(scheduler.nextRun('alerts')?.toISOString()).toBe('2026-06-01T10:05:00.000Z');
    expect(scheduler.nextRun('build')).toBeNull();
    vi.advanceTimersByTime(5 * MINUTE);
    expect(scheduler.nextRun('alerts')?.toISOString()).toBe('2026-06-01T10:10:00.000Z');
    scheduler.stop();
    expect(scheduler.nextRun('alerts')).toBeNull();
  });

  it('fires each of a job’s schedules on its own cron and zone, saying which', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-06-01T00:00:00Z')); // a Monday
    const fired: { job: string; at: string; entry?: string; params?: unknown }[] = [];
    const scheduler = new Scheduler({
      schedules: [
        { job: 'tidy', cron: '0 6 * * *', source: 'default' },
        {
          job: 'report',
          cron: '0 8 * * 1',
          source: 'reports.yaml',
          entry: 'weekly',
          params: { report: 'weekly' },
        },
        {
          job: 'report',
          cron: '0 8 * * *',
          source: 'reports.yaml',
          entry: 'tokyo',
          timezone: 'Asia/Tokyo',
          params: { report: 'tokyo' },
        },
      ],
      timezone: ZONE,
      fire: (job, scheduledFor, s) =>
        fired.push({ job, at: scheduledFor.toISOString(), entry: s.entry, params: s.params }),
    });
    scheduler.start();
    expect(scheduler.nextRunOf('report:weekly')?.toISOString()).toBe('2026-06-01T06:00:00.000Z');
    expect(scheduler.nextRunOf('report:tokyo')?.toISOString()).toBe('2026-06-01T23:00:00.000Z');
    // The job's next run is the soonest of its schedules.
    expect(scheduler.nextRun('report')?.toISOString()).toBe('2026-06-01T06:00:00.000Z');
    vi.advanceTimersByTime(24 * HOUR);
    scheduler.stop();
    expect(fired).toEqual([
      { job: 'tidy', at: '2026-06-01T04:00:00.000Z', entry: undefined, params: undefined },
      {
        job: 'report',
        at: '2026-06-01T06:00:00.000Z',
        entry: 'weekly',
        params: { report: 'weekly' },
      },
      {
        job: 'report',
        at: '2026-06-01T23:00:00.000Z',
        entry: 'tokyo',
        params: { report: 'tokyo' },
      },
    ]);
  });

  it('leaves no timer after stop(), even when stopped from inside fire', () => {
    const { fired, scheduler } = runFrom('2026-06-01T10:01:00Z', 10 * MINUTE, {
      alerts: '*/5 * * * *',
      nightly: '30 3 * * *',
    });
    expect(fired).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(2);
    scheduler.stop();
    expect(vi.getTimerCount()).toBe(0);

    const inside: Scheduler = new Scheduler({
      schedules: schedules({ alerts: '*/5 * * * *' }),
      timezone: ZONE,
      fire: () => inside.stop(),
    });
    inside.start();
    vi.advanceTimersByTime(5 * MINUTE);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never fires a slot twice: not after a restart, not when the clock steps back', () => {
    const { fired, scheduler } = runFrom('2026-06-01T10:01:00Z', 5 * MINUTE, {
      alerts: '*/5 * * * *',
    });
    expect(fired.map((f) => f.scheduledFor.toISOString())).toEqual(['2026-06-01T10:05:00.000Z']);
    scheduler.stop();
    vi.setSystemTime(new Date('2026-06-01T10:04:00Z')); // NTP steps the clock back
    scheduler.start();
    vi.advanceTimersByTime(7 * MINUTE);
    expect(fired.map((f) => f.scheduledFor.toISOString())).toEqual([
      '2026-06-01T10:05:00.000Z',
      '2026-06-01T10:10:00.000Z',
    ]);
    scheduler.stop();
  });

  it('runs the first slot missed while the process slept once, late, and skips the rest', () => {
    const { fired, scheduler } = runFrom('2026-06-01T10:01:00Z', 0, { alerts: '*/5 * * * *' });
    // Suspended: the wall clock jumps an hour while the monotonic timers stand still; the
    // timer armed for at most a minute wakes at 11:02:30 and finds 10:05 … 11:00 past.
    vi.setSystemTime(new Date('2026-06-01T11:01:30Z'));
    vi.advanceTimersByTime(MINUTE);
    expect(fired.map((f) => [f.scheduledFor.toISOString(), new Date(f.at).toISOString()])).toEqual([
      ['2026-06-01T10:05:00.000Z', '2026-06-01T11:02:30.000Z'],
    ]);
    expect(scheduler.nextRun('alerts')?.toISOString()).toBe('2026-06-01T11:05:00.000Z');
    vi.advanceTimersByTime(3 * MINUTE);
    expect(fired.map((f) => f.scheduledFor.toISOString())).toEqual([
      '2026-06-01T10:05:00.000Z',
      '2026-06-01T11:05:00.000Z',
    ]);
    scheduler.stop();
  });
});

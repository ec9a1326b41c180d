/** Job schedules from config: defaults, SALESOPS_JOB_<NAME>_CRON overrides, `off`, and the errors. */
import cron from 'node-cron';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig } from '../config.ts';
import { CronSlots } from '../jobs/cron-slots.ts';
import { cronVariable, resolveSchedules } from '../jobs/schedule.ts';

const jobs = [
  { name: 'ingest', defaultSchedule: '*/15 * * * *' },
  { name: 'build', defaultSchedule: null },
  { name: 'stock-alerts', defaultSchedule: '*/5 * * * *' },
  { name: 'cleanup', defaultSchedule: '30 3 * * *' },
];

function resolveWith(env: Record<string, string>) {
  return resolveSchedules(jobs, loadConfig(env));
}

function configErrorOf(env: Record<string, string>): ConfigError {
  try {
    resolveWith(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('resolveSchedules accepted ' + JSON.stringify(env));
}

describe('resolveSchedules', () => {
  it('names each job’s variable in upper snake case', () => {
    expect(cronVariable('stock-alerts')).toBe('SALESOPS_JOB_STOCK_ALERTS_CRON');
    expect(cronVariable('ingest')).toBe('SALESOPS_JOB_INGEST_CRON');
  });

  it('keeps the job files’ defaults when no variable is set', () => {
    expect(resolveWith({})).toEqual([
      { job: 'ingest', cron: '*/15 * * * *', source: 'default' },
      { job: 'build', cron: null, source: 'default' },
      { job: 'stock-alerts', cron: '*/5 * * * *', source: 'default' },
      { job: 'cleanup', cron: '30 3 * * *', source: 'default' },
    ]);
  });

  it('applies an override and names the variable it came from', () => {
    const resolved = resolveWith({
      SALESOPS_JOB_CLEANUP_CRON: ' 0  4 * * * ',
      SALESOPS_JOB_BUILD_CRON: '0 * * * *',
    });
    expect(resolved.find((s) => s.job === 'cleanup')).toEqual({
      job: 'cleanup',
      cron: '0 4 * * *',
      source: 'SALESOPS_JOB_CLEANUP_CRON',
    });
    expect(resolved.find((s) => s.job === 'build')?.cron).toBe('0 * * * *');
  });

  it('switches a job off with off, in any case', () => {
    for (const off of ['off', 'OFF', ' Off ']) {
      const resolved = resolveWith({ SALESOPS_JOB_STOCK_ALERTS_CRON: off });
      expect(resolved.find((s) => s.job === 'stock-alerts')).toEqual({
        job: 'stock-alerts',
        cron: null,
        source: 'SALESOPS_JOB_STOCK_ALERTS_CRON',
      });
    }
  });

  it('stops on a bad expression with one line naming the variable, the value and the fault', () => {
    const short = configErrorOf({ SALESOPS_JOB_STOCK_ALERTS_CRON: '*/5 * *' });
    expect(short.message).toMatch(
      /^SALESOPS_JOB_STOCK_ALERTS_CRON: "\*\/5 \* \*" is not a cron expression \(expected 5 or 6 fields but got 3; /,
    );
    const range = configErrorOf({ SALESOPS_JOB_INGEST_CRON: '61 * * * *' });
    expect(range.message).toContain(
      'SALESOPS_JOB_INGEST_CRON: "61 * * * *" is not a cron expression',
    );
    expect(range.message).toContain('minute field "61" is out of range');
    const impossible = configErrorOf({ SALESOPS_JOB_CLEANUP_CRON: '0 3 31 2 *' });
    expect(impossible.message).toContain('day of month "31" never occurs in month "2"');
    const text = configErrorOf({ SALESOPS_JOB_CLEANUP_CRON: 'daily\nat 3' });
    for (const e of [short, range, impossible, text]) expect(e.message).not.toContain('\n');
  });

  it('stops on a variable that names no job, listing the variables there are', () => {
    const e = configErrorOf({ SALESOPS_JOB_NOPE_CRON: '* * * * *' });
    expect(e.message).toBe(
      'SALESOPS_JOB_NOPE_CRON: no job has this name; the job schedules are ' +
        'SALESOPS_JOB_INGEST_CRON, SALESOPS_JOB_BUILD_CRON, SALESOPS_JOB_STOCK_ALERTS_CRON, ' +
        'SALESOPS_JOB_CLEANUP_CRON',
    );
    // `off` does not excuse a misspelt name: the user meant to switch something off.
    expect(configErrorOf({ SALESOPS_JOB_STOCK_ALERT_CRON: 'off' }).message).toMatch(
      /^SALESOPS_JOB_STOCK_ALERT_CRON: no job has this name/,
    );
  });

  it('gives a job with entries one schedule per entry, and takes only off for its variable', () => {
    const reports = {
      name: 'report',
      defaultSchedule: null,
      schedules: {
        from: 'dashboards/reports.yaml',
        entries: () => [
          { name: 'weekly', cron: '0 8 * * 1', params: { report: 'weekly' } },
          { name: 'daily', cron: '0 7 * * *', timezone: 'Asia/Tokyo', params: { report: 'daily' } },
        ],
      },
    };
    const app = {} as Parameters<typeof resolveSchedules>[2];
    expect(resolveSchedules([...jobs, reports], loadConfig({}), app).slice(4)).toEqual([
      {
        job: 'report',
        cron: '0 8 * * 1',
        source: 'dashboards/reports.yaml',
        entry: 'weekly',
        params: { report: 'weekly' },
      },
      {
        job: 'report',
        cron: '0 7 * * *',
        source: 'dashboards/reports.yaml',
        entry: 'daily',
        timezone: 'Asia/Tokyo',
        params: { report: 'daily' },
      },
    ]);
    // Before the files are loaded (the start's first check): the variables only.
    expect(resolveSchedules([reports], loadConfig({}))).toEqual([]);
    expect(
      resolveSchedules([reports], loadConfig({ SALESOPS_JOB_REPORT_CRON: 'OFF' }), app),
    ).toEqual([{ job: 'report', cron: null, source: 'SALESOPS_JOB_REPORT_CRON' }]);
    let error: unknown;
    try {
      resolveSchedules([reports], loadConfig({ SALESOPS_JOB_REPORT_CRON: '0 9 * * 1' }), app);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      'SALESOPS_JOB_REPORT_CRON: the report job runs on the cron of each entry of ' +
        'dashboards/reports.yaml; set it there, or write off for no scheduled report runs (got "0 9 * * 1")',
    );
  });

  it('refuses a job file whose own default is not an expression (a bug, not a setting)', () => {
    expect(() =>
      resolveSchedules([{ name: 'broken', defaultSchedule: 'hourly' }], loadConfig({})),
    ).toThrow(/^job broken: default schedule /);
  });
});

describe('CronSlots', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  // Where there is no DST the slots must be node-cron's own: proof that the wall-clock walk
  // reads node-cron's fields and tokens (L, W, #, nicknames, seconds) as node-cron does.
  it('gives node-cron’s next runs in UTC', () => {
    vi.useFakeTimers();
    const from = new Date('2026-01-15T10:03:07Z');
    vi.setSystemTime(from);
    for (const e of [
      '*/15 * * * *',
      '30 2 * * *',
      '0 9 * * 1-5',
      '0 0 L * *',
      '0 12 * * 5L',
      '0 8 1W * *',
      '*/7 3-5 * 2,3 *',
      '15 10 * * 2#3',
      '@daily',
      '@hourly',
      '*/20 * * * * *',
    ]) {
      const task = cron.createTask(e, () => undefined, { timezone: 'UTC' });
      const expected = task.getNextRuns(30).map((d) => d.toISOString());
      void task.destroy();
      const slots = new CronSlots(e, 'UTC');
      const got: string[] = [];
      for (let t = from.getTime(); got.length < 30;) {
        t = slots.after(t)!;
        got.push(new Date(t).toISOString());
      }
      slots.dispose();
      expect(got, e).toEqual(expected);
    }
  });

  it('reads a yearly expression in the zone: New Year in Berlin is 23:00 UTC', () => {
    const slots = new CronSlots('0 0 1 1 *', 'Europe/Berlin');
    expect(new Date(slots.after(Date.parse('2026-06-01T00:00:00Z'))!).toISOString()).toBe(
      '2026-12-31T23:00:00.000Z',
    );
    slots.dispose();
  });
});

/**
 * Which schedule each job runs on: its file's default, or SALESOPS_JOB_<NAME>_CRON, or none.
 * Checked once at start, so a mistyped expression or variable stops start-up with one line
 * naming the variable, not a job that silently never runs.
 */
import cron from 'node-cron';
import { ConfigError, type Config } from '../config.ts';
import type { AppContext } from '../context.ts';
import type { JobDefinition } from './types.ts';

/** A schedule a job runs on in this process (a job with entries has one per entry). */
export interface ResolvedSchedule {
  readonly job: string;
  /** node-cron expression; null: no schedule (none by default, or switched off with `off`). */
  readonly cron: string | null;
  /** Where it came from: the job file, the variable that overrides it, or the entries' file. */
  readonly source: 'default' | string;
  /** One of a job's several schedules (JobDefinition.schedules): its name, zone and params. */
  readonly entry?: string;
  readonly timezone?: string;
  readonly params?: Readonly<Record<string, unknown>>;
}

/** The variable that overrides a job's schedule: `stock-alerts` → SALESOPS_JOB_STOCK_ALERTS_CRON. */
export function cronVariable(job: string): string {
  return `SALESOPS_JOB_${job.toUpperCase().replace(/-/g, '_')}_CRON`;
}

const FIELD_LABELS: Record<string, string> = {
  second: 'second',
  minute: 'minute',
  hour: 'hour',
  dayOfMonth: 'day of month',
  month: 'month',
  dayOfWeek: 'day of week',
};

/** What is wrong with an expression, in words, or null when node-cron accepts it. */
export function cronProblem(expression: string): string | null {
  const result = cron.validateDetailed(expression);
  if (result.valid) return null;
  return result.errors
    .map((e) => {
      // node-cron's own words for these are "31 2 is an impossible day of month for the given
      // month" and "pattern includes illegal characters"; the field-count one reads well as is.
      if (e.message.includes('impossible')) {
        const month = expression.trim().split(/\s+/).at(-2);
        return `day of month ${JSON.stringify(e.value)} never occurs in month ${JSON.stringify(month)}`;
      }
      if (e.field in FIELD_LABELS) {
        return `${FIELD_LABELS[e.field]} field ${JSON.stringify(e.value)} is out of range or not understood`;
      }
      if (e.message.includes('illegal characters')) return 'it holds characters cron does not use';
      return e.message;
    })
    .join('; ');
}

const HOW = 'write "minute hour day-of-month month day-of-week" such as "*/15 * * * *", or off';

/**
 * Each job's schedule, with the overrides in `config.jobCron` applied; a job with entries
 * (JobDefinition.schedules) gets one per entry `app` declares (none without `app`: the check
 * before the files are loaded). Throws ConfigError for a variable that names no job or holds no
 * valid expression, or sets a cron for a job with entries; the message names the variable.
 */
export function resolveSchedules(
  defs: readonly Pick<JobDefinition, 'name' | 'defaultSchedule' | 'schedules'>[],
  config: Pick<Config, 'jobCron'>,
  app?: AppContext,
): ResolvedSchedule[] {
  const byVariable = new Map(defs.map((d) => [cronVariable(d.name), d]));
  for (const variable of Object.keys(config.jobCron).sort()) {
    if (!byVariable.has(variable)) {
      const known = [...byVariable.keys()].join(', ');
      throw new ConfigError(`${variable}: no job has this name; the job schedules are ${known}`);
    }
  }
  return defs.flatMap((def): ResolvedSchedule[] => {
    const variable = cronVariable(def.name);
    const override = config.jobCron[variable]?.trim();
    if (def.schedules) {
      if (override?.toLowerCase() === 'off')
        return [{ job: def.name, cron: null, source: variable }];
      if (override !== undefined)
        throw new ConfigError(
          `${variable}: the ${def.name} job runs on the cron of each entry of ${def.schedules.from}; ` +
            `set it there, or write off for no scheduled ${def.name} runs (got ${JSON.stringify(override)})`,
        );
      return (app ? def.schedules.entries(app) : []).map((e) => ({
        job: def.name,
        cron: e.cron,
        source: def.schedules!.from,
        entry: e.name,
        ...(e.timezone ? { timezone: e.timezone } : {}),
        params: e.params,
      }));
    }
    if (override === undefined) {
      const problem = def.defaultSchedule === null ? null : cronProblem(def.defaultSchedule);
      // A job file's mistake, not the user's: no variable to name.
      if (problem) throw new Error(`job ${def.name}: default schedule ${problem}`);
      return [{ job: def.name, cron: def.defaultSchedule, source: 'default' }];
    }
    if (override.toLowerCase() === 'off') return [{ job: def.name, cron: null, source: variable }];
    const problem = cronProblem(override);
    if (problem) {
      throw new ConfigError(
        `${variable}: ${JSON.stringify(override)} is not a cron expression (${problem}; ${HOW})`,
      );
    }
    return [{ job: def.name, cron: override.replace(/\s+/g, ' '), source: variable }];
  });
}

/** The timers that fire these schedules (jobs/scheduler.ts). */
export { Scheduler, scheduleKey, type SchedulerOptions } from './scheduler.ts';

/**
 * The background half of a server: the job runtime, the change signal that marks the warehouse
 * stale, the event hub that publishes the outbox, the webhook dispatcher the hub wakes, and
 * (with SALESOPS_SCHEDULER on) the schedules. Built once by server.ts (and by tests that want a
 * server like the real one); `close` stops it within seconds (a webhook request in flight gets
 * its 10 s).
 */
import { EventHub } from '../api/events/hub.ts';
import { dispatcherOptions, WebhookDispatcher } from '../api/webhooks/dispatcher.ts';
import type { AppContext } from '../context.ts';
import { ChangeSignal } from './changes.ts';
import { JOBS } from './index.ts';
import { JobRuntime, type RuntimeOptions } from './runtime.ts';
import { resolveSchedules, Scheduler } from './schedule.ts';
import type { JobDefinition } from './types.ts';

export interface Background {
  /** The context with `jobs` and `changes` filled in: what the app and the jobs share. */
  ctx: AppContext;
  runtime: JobRuntime;
  /** Begin firing schedules (after the first refresh, once the server listens). */
  startSchedules(): Promise<void>;
  close(): Promise<void>;
}

/** Throws the ConfigError of a bad schedule variable: call it before any slow start-up work. */
export function checkSchedules(config: AppContext['config'], jobs = JOBS): void {
  if (config.scheduler) resolveSchedules(jobs, config);
}

export async function startBackground(
  base: AppContext,
  options: RuntimeOptions & {
    jobs?: readonly JobDefinition[];
    /**
     * Deliver webhooks (default true). A one-off command (`salesops jobs run`) leaves it to the
     * server: its exit would otherwise wait for deliveries in flight, up to their 10 s timeout.
     */
    dispatch?: boolean;
  } = {},
): Promise<Background> {
  // The runtime's jobs read the full context (the warehouse, the database); `jobs` and
  // `changes` on it are for routes, so the runtime gets the base.
  const jobs = options.jobs ?? JOBS;
  // Checked before anything runs: a mistyped SALESOPS_JOB_<NAME>_CRON stops start-up with one
  // line naming it, instead of a job that silently never runs.
  const schedules = base.config.scheduler ? resolveSchedules(jobs, base.config, base) : undefined;
  const runtime = new JobRuntime(base, jobs, options);
  await runtime.open();
  const changes = new ChangeSignal(
    base.ops,
    runtime.instance,
    (at) => runtime.markStale(at),
    base.logger.child({ component: 'changes' }),
  );
  await changes.listen();
  const events = new EventHub(base.ops.db, base.logger.child({ component: 'events' }));
  await events.start(base.ops, runtime.instance);
  // Every server instance dispatches: they share the work through row locks (api/webhooks/).
  const webhooks =
    options.dispatch === false
      ? undefined
      : new WebhookDispatcher(
          base.ops.db,
          base.logger.child({ component: 'webhooks' }),
          dispatcherOptions(base.config),
        );
  const stopWaking = webhooks ? events.subscribe(() => void webhooks.wake()) : () => {};
  webhooks?.start();
  const ctx: AppContext = { ...base, jobs: runtime, changes, events };
  return {
    ctx,
    runtime,
    async startSchedules() {
      if (!schedules) return;
      const scheduler = new Scheduler({
        schedules,
        timezone: base.config.jobsTimezone,
        fire: (job, at, schedule) => runtime.fire(job, at, schedule),
      });
      runtime.useScheduler(scheduler, schedules);
    },
    async close() {
      await runtime.stop();
      await changes.close();
      stopWaking();
      await webhooks?.close();
      await events.close();
    },
  };
}

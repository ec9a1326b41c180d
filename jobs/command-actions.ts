/**
 * What `salesops jobs …` does. With a server holding the data folder, everything goes through
 * its API (GET /jobs, GET /jobs/{name}/runs, POST /jobs/{name}/run followed at GET
 * /jobs/runs/{id}); otherwise `ls` and `history` read job_runs, and `run` runs the job in this
 * process through a job runtime built as the server builds its own, printing the same lines.
 */
import type { Config } from '../config.ts';
import { runningServer, type RunningServer } from '../handoff.ts';
import { CliError, openMigratedDb, openWarehouseOrExplain, readConfig } from '../runtime.ts';
import { followRun } from './follow.ts';
import type { JobInfo, JobRunRecord } from './types.ts';

type Print = (line: string) => void;
interface Io {
  print: Print;
  note: Print;
}

const ENDED_OK = new Set(['succeeded', 'skipped']);

function server(config: Config, command: string, key: string | undefined, what: string) {
  return runningServer(config, { key, command, what, warehouse: true });
}

/** `jobs ls` */
export async function listJobs(opts: { key?: string }, io: Io): Promise<void> {
  const config = readConfig();
  const remote = server(config, 'jobs ls', opts.key, 'a manager, analyst or admin API key');
  const jobs = remote
    ? ((await remote.call('GET', '/jobs')) as { items: JobInfo[] }).items
    : await localJobs(config);
  io.print(
    `${'JOB'.padEnd(13)} ${'SCHEDULE'.padEnd(16)} ${'NEXT RUN'.padEnd(21)} LAST RUN` +
      (remote ? '' : '   (no server running: next runs unknown)'),
  );
  for (const j of jobs) {
    const last = j.lastRun;
    io.print(
      `${j.name.padEnd(13)} ${(j.schedule ?? '—').padEnd(16)} ${(j.nextRunAt ? shortTime(j.nextRunAt) : '—').padEnd(21)} ` +
        (last
          ? `#${last.id} ${last.status} ${shortTime(last.finishedAt ?? last.queuedAt)}` +
            (last.error ? `  error: ${firstLine(last.error)}` : '')
          : 'never'),
    );
    // The report job: a schedule per report (dashboards/reports.yaml), each on its own line.
    for (const e of j.schedules ?? [])
      io.print(
        (
          `  ${e.name.padEnd(11)} ${e.schedule.padEnd(16)} ${(e.nextRunAt ? shortTime(e.nextRunAt) : '—').padEnd(21)} ` +
          (e.timezone === j.timezone ? '' : e.timezone)
        ).trimEnd(),
      );
  }
}

async function localJobs(config: Config): Promise<JobInfo[]> {
  const { JOBS } = await import('./index.ts');
  const history = await import('./history.ts');
  const ops = await openMigratedDb(config, 'jobs ls');
  try {
    const last = await history.lastRuns(ops.db);
    return JOBS.map((d) => {
      // SALESOPS_JOB_<NAME>_CRON overrides the default; `off` switches it off.
      const override =
        config.jobCron[`SALESOPS_JOB_${d.name.toUpperCase().replace(/-/g, '_')}_CRON`];
      const schedule =
        override === undefined ? d.defaultSchedule : override === 'off' ? null : override;
      return {
        name: d.name,
        description: d.description,
        resource: d.resource,
        schedule,
        timezone: config.jobsTimezone,
        nextRunAt: null,
        lastRun: last.get(d.name) ?? null,
      };
    });
  } finally {
    await ops.close();
  }
}

/** `jobs history [name]` */
export async function jobHistory(
  name: string | undefined,
  opts: { key?: string; limit: number },
  io: Io,
): Promise<void> {
  const config = readConfig();
  const remote = server(config, 'jobs history', opts.key, 'a manager, analyst or admin API key');
  const runs = remote
    ? await remoteHistory(remote, name, opts.limit)
    : await localHistory(config, name, opts.limit);
  if (!runs.length) io.print(name ? `no runs of ${name} yet` : 'no job runs yet');
  for (const r of runs) io.print(runLine(r));
}

async function remoteHistory(
  remote: RunningServer,
  name: string | undefined,
  limit: number,
): Promise<JobRunRecord[]> {
  const page = async (job: string) =>
    (
      (await remote.call('GET', `/jobs/${encodeURIComponent(job)}/runs?limit=${limit}`)) as {
        items: JobRunRecord[];
      }
    ).items;
  if (name) return page(name);
  const jobs = ((await remote.call('GET', '/jobs')) as { items: JobInfo[] }).items;
  const all = (await Promise.all(jobs.map((j) => page(j.name)))).flat();
  return all.sort((a, b) => b.id - a.id).slice(0, limit);
}

async function localHistory(
  config: Config,
  name: string | undefined,
  limit: number,
): Promise<JobRunRecord[]> {
  const { JOBS } = await import('./index.ts');
  if (name && !JOBS.some((j) => j.name === name)) throw unknownJob(name, JOBS);
  const history = await import('./history.ts');
  const ops = await openMigratedDb(config, 'jobs history');
  try {
    return await history.listRuns(ops.db, { job: name, limit });
  } finally {
    await ops.close();
  }
}

/** `jobs run NAME` (and `segment`, which is `jobs run segment` by its own name) */
export async function runJob(
  name: string,
  opts: { key?: string },
  io: Io,
  command = `jobs run ${name}`,
  params: Record<string, unknown> = {},
): Promise<void> {
  const config = readConfig();
  const remote = server(
    config,
    command,
    opts.key,
    'an admin API key (a manager key for ingest and build)',
  );
  const runs = remote
    ? await runRemote(remote, name, params, io)
    : await runLocal(config, name, params, io);
  const bad = runs.find((r) => !ENDED_OK.has(r.status));
  if (bad) {
    throw new CliError(
      `job run #${bad.id} (${bad.job}) ${bad.status}: ${bad.error ?? 'no reason given'}`,
    );
  }
}

/** Hand the run to the server and follow it (and the build it chains) to the end. */
async function runRemote(
  remote: RunningServer,
  name: string,
  params: Record<string, unknown>,
  io: Io,
): Promise<JobRunRecord[]> {
  const queued = (await remote.call(
    'POST',
    `/jobs/${encodeURIComponent(name)}/run`,
    Object.keys(params).length ? params : undefined,
  )) as JobRunRecord;
  io.note(`job run #${queued.id} (${name}) handed to the server at ${remote.url}`);
  const ended: JobRunRecord[] = [];
  for (let id: number | undefined = queued.id; id !== undefined;) {
    let printed = 0;
    const run: JobRunRecord = await followRun<JobRunRecord>(
      remote,
      `/jobs/runs/${id}`,
      (r) => {
        for (const line of (r.lines ?? []).slice(printed)) io.print(line);
        printed = r.lines?.length ?? printed;
      },
      io.note,
    );
    io.print(endLine(run));
    ended.push(run);
    id = run.status === 'succeeded' ? run.chainedRunId : undefined;
  }
  return ended;
}

/** Run it here, through a job runtime like the server's (no schedules, no refresh cycles). */
async function runLocal(
  config: Config,
  name: string,
  params: Record<string, unknown>,
  io: Io,
): Promise<JobRunRecord[]> {
  const { JOBS } = await import('./index.ts');
  if (!JOBS.some((j) => j.name === name)) throw unknownJob(name, JOBS);
  const { startBackground } = await import('./start.ts');
  const { createLogger } = await import('../logger.ts');
  const ops = await openMigratedDb(config, `jobs run ${name}`);
  try {
    const warehouse = await openWarehouseOrExplain(config, `jobs run ${name}`);
    try {
      // The change signal, the refresh cycle and webhook deliveries are the server's business,
      // not this command's.
      const local = { ...config, scheduler: false };
      const background = await startBackground(
        { config: local, ops, warehouse, logger: createLogger(config) },
        { say: io.print, dispatch: false },
      );
      try {
        const runtime = background.runtime;
        const ended: JobRunRecord[] = [];
        let id = (await runtime.request(name, 'manual', params))?.id;
        while (id !== undefined) {
          const run = (await runtime.wait(id))!;
          io.print(endLine(run));
          ended.push(run);
          id = run.status === 'succeeded' ? runtime.chainedFrom(id) : undefined;
        }
        return ended;
      } finally {
        await background.close();
      }
    } finally {
      warehouse.close();
    }
  } finally {
    await ops.close();
  }
}

function unknownJob(name: string, jobs: readonly { name: string }[]): CliError {
  return new CliError(
    `there is no job named "${name}"; jobs: ${jobs.map((j) => j.name).join(', ')}`,
  );
}

/** `job run #12 (ingest) succeeded in 1.4 s: 1,234 rows` */
function endLine(r: JobRunRecord): string {
  const secs = durationText(r);
  const what = [
    r.rows !== null ? `${r.rows.toLocaleString('en')} rows` : '',
    r.modelsBuilt !== null ? `${r.modelsBuilt} models built` : '',
    r.status === 'skipped' && typeof r.detail?.reason === 'string' ? String(r.detail.reason) : '',
  ].filter(Boolean);
  return (
    `job run #${r.id} (${r.job}) ${r.status}${secs ? ` in ${secs}` : ''}` +
    (what.length ? `: ${what.join(', ')}` : '') +
    (r.error ? `: ${firstLine(r.error)}` : '')
  );
}

/** One run as a row of `jobs history`. */
function runLine(r: JobRunRecord): string {
  const secs = durationText(r);
  const did = [
    r.rows !== null ? `${r.rows} rows` : '',
    r.modelsBuilt !== null ? `${r.modelsBuilt} models` : '',
    r.ingestRunId !== null ? `ingest #${r.ingestRunId}` : '',
  ].filter(Boolean);
  return (
    `#${String(r.id).padEnd(6)} ${r.job.padEnd(13)} ${r.trigger.padEnd(9)} ${r.status.padEnd(12)}` +
    `${shortTime(r.startedAt ?? r.queuedAt)}  ${(secs ?? '').padEnd(9)} ${did.join(', ')}` +
    (r.error ? `  error: ${firstLine(r.error)}` : '')
  ).trimEnd();
}

function durationText(r: JobRunRecord): string | undefined {
  if (!r.startedAt || !r.finishedAt) return undefined;
  return `${((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000).toFixed(2)} s`;
}

/** 2026-12-02 13:27:08Z: second precision is enough to read a history. */
function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.slice(0, 200);
}

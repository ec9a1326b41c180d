/**
 * `salesops jobs ls | run NAME | history [NAME]`: the options. What each does is in
 * command-actions.ts, loaded when it runs (the CLI's lazy-import rule: `salesops --help` loads
 * neither the databases nor Express).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { rangeText, TREE_DEPTH, TREE_MIN_SAMPLES } from '../segment/tree-settings.ts';

type Print = (line: string) => void;

function limit(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 200) {
    throw new InvalidArgumentError('must be a whole number from 1 to 200');
  }
  return n;
}

/** A parser for a whole number in `r`, refused as the API and the configuration refuse it. */
function within(r: { min: number; max: number }) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < r.min || n > r.max)
      throw new InvalidArgumentError(rangeText(r));
    return n;
  };
}

/** Add the `jobs` command group to the salesops CLI. */
export function registerJobCommands(program: Command, print: Print, note: Print): void {
  const actions = () => import('./command-actions.ts');
  const jobs = program
    .command('jobs')
    .description(
      'background jobs (ingest, build, segment, stock-alerts, follow-ups, report, cleanup): list, run, history',
    );
  const keyHelp = 'API key, to ask a running server (SALESOPS_API_KEY by default)';

  jobs
    .command('ls')
    .description('every job with its schedule, next run and last run')
    .option('--key <key>', keyHelp)
    .action(async (opts: { key?: string }) => (await actions()).listJobs(opts, { print, note }));

  jobs
    .command('run <name>')
    .description(
      'run a job now and wait for it (and for the build an ingest queues); in the server ' +
        'that holds the data folder when one runs',
    )
    .option('--key <key>', 'admin API key (manager for ingest and build) for a running server')
    .action(async (name: string, opts: { key?: string }) =>
      (await actions()).runJob(name, opts, { print, note }),
    );

  jobs
    .command('history [name]')
    .description('the latest runs, newest first, of every job or of one')
    .option('--limit <n>', 'how many runs', limit, 20)
    .option('--key <key>', keyHelp)
    .action(async (name: string | undefined, opts: { key?: string; limit: number }) =>
      (await actions()).jobHistory(name, opts, { print, note }),
    );

  program
    .command('segment')
    .description(
      'segment the customers now (RFM, clusters, churn risk, price suggestions) and write the ' +
        'scores back to the CRM; in the server that holds the data folder when one runs',
    )
    .option('--key <key>', 'admin or manager API key, to hand the run to a running server')
    .option(
      '--max-depth <n>',
      `levels of splits in the churn and propensity trees, this run only (default SALESOPS_SEGMENT_TREE_DEPTH, ${TREE_DEPTH.default})`,
      within(TREE_DEPTH),
    )
    .option(
      '--min-samples <n>',
      `a tree node with at most this many rows is not split, this run only (default SALESOPS_SEGMENT_MIN_SAMPLES, ${TREE_MIN_SAMPLES.default})`,
      within(TREE_MIN_SAMPLES),
    )
    .action(async (opts: { key?: string; maxDepth?: number; minSamples?: number }) => {
      const params = {
        ...(opts.maxDepth !== undefined && { maxDepth: opts.maxDepth }),
        ...(opts.minSamples !== undefined && { minNumSamples: opts.minSamples }),
      };
      await (await actions()).runJob('segment', opts, { print, note }, 'segment', params);
    });
}

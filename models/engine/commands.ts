/**
 * `salesops models run|test|build|ls|docs`: the CLI face of the runner. Lines go to stdout as
 * each model finishes; the exit code is 1 when a model, an error-severity test or a source
 * freshness check failed, so a schedule or CI can rely on it.
 */
import fs from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { CliError, openWarehouseOrExplain, readConfig } from '../../runtime.ts';
import { listModels, modelDocs } from './docs.ts';
import { ModelFileError } from './header.ts';
import { outcomeLine, runSummaryLine } from './outcome-line.ts';
import { loadProject, type Project } from './project.ts';
import { defaultVars, runProject, type RunOptions } from './runner.ts';
import { selectModels } from './selection.ts';

type Print = (line: string) => void;

function loadOrExplain(): Project {
  try {
    return loadProject();
  } catch (e) {
    if (e instanceof ModelFileError) throw new CliError(e.message);
    throw e;
  }
}

function select(project: Project, selectors: string[]): string[] {
  try {
    return selectModels(project, selectors);
  } catch (e) {
    if (e instanceof ModelFileError) throw new CliError(e.message);
    throw e;
  }
}

function parseVar(v: string, acc: Record<string, string> = {}): Record<string, string> {
  const m = /^(\w+)=(.*)$/.exec(v);
  if (!m) throw new InvalidArgumentError('write --var name=value');
  return { ...acc, [m[1]!]: m[2]! };
}

function threads(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number ≥ 1');
  return n;
}

async function execute(
  command: RunOptions['command'],
  selectors: string[],
  opts: { fullRefresh?: boolean; threads?: number; var?: Record<string, string>; key?: string },
  print: Print,
): Promise<void> {
  const config = readConfig();
  // `salesops start` holds the warehouse: the server runs it, and this prints the same lines.
  const { handModelsToServer } = await import('./server-run.ts');
  const note = (line: string) => process.stderr.write(line + '\n');
  if (await handModelsToServer(config, command, selectors, opts, { print, note })) return;
  const project = loadOrExplain();
  select(project, selectors); // a bad selector fails before the warehouse is opened
  const warehouse = await openWarehouseOrExplain(config, `models ${command}`);
  try {
    const summary = await runProject(warehouse, project, {
      command,
      select: selectors,
      fullRefresh: opts.fullRefresh,
      threads: opts.threads,
      vars: { ...defaultVars(config.timezone), ...opts.var },
      onModel: (o) => print(outcomeLine(o)),
      onFreshness: (fs) => {
        for (const f of fs.filter((x) => x.status !== 'pass')) {
          print(`${f.status === 'error' ? 'FAIL' : 'warn'}  freshness: ${f.message}`);
        }
      },
    });
    if (summary.interruptedRuns > 0) {
      print(`note  ${summary.interruptedRuns} earlier run(s) left 'running' marked interrupted`);
    }
    // run/build publish all their models together or none (docs/models.md, "Publishing").
    const ok = summary.models.filter((m) => m.status === 'success').length;
    const published =
      command === 'test'
        ? ''
        : summary.published
          ? `; published ${ok} model(s) together in ${(summary.publishMs / 1000).toFixed(2)}s`
          : '; nothing published: the previous build stays readable';
    print(
      runSummaryLine(
        summary.status === 'success',
        summary.models.map((m) => ({
          status: m.status,
          testsWarned: m.tests.filter((t) => t.status === 'warn').length,
        })),
        summary.durationMs,
        summary.runId,
        published,
      ),
    );
    if (summary.status !== 'success') process.exitCode = 1;
  } finally {
    warehouse.close();
  }
}

/** Add the `models` command group to the salesops CLI. */
export function registerModelCommands(program: Command, print: Print): void {
  const models = program
    .command('models')
    .description('SQL models: build, test, list and document the warehouse models (models/)');
  const selectorsHelp =
    'model selectors: name, +name, name+, tag:x, path:models/marts, source:raw.orders (default all)';

  for (const [name, help] of [
    ['run', 'build the selected models in DAG order (no tests)'],
    ['test', 'run the tests of the selected models against the built relations'],
    ['build', 'build and test in DAG order; a failed test stops what depends on the model'],
  ] as const) {
    const cmd = models
      .command(`${name} [selectors...]`)
      .description(help)
      .option('--threads <n>', 'models built at once', threads, 4)
      .option('--var <name=value>', 'set {{ var(name) }} (repeatable)', parseVar)
      .option('--key <key>', 'admin or manager API key, to hand the run to a running server');
    if (name !== 'test') cmd.option('--full-refresh', 'rebuild incremental models from scratch');
    cmd.addHelpText('after', `\n${selectorsHelp}`);
    cmd.action((selectors: string[], opts) => execute(name, selectors, opts, print));
  }

  models
    .command('ls [selectors...]')
    .description('list the selected models in build order')
    .action((selectors: string[]) => {
      const project = loadOrExplain();
      for (const line of listModels(project, select(project, selectors))) print(line);
    });

  models
    .command('docs [selectors...]')
    .description('Markdown documentation of the selected models (stdout, or --out FILE)')
    .option('--out <file>', 'write to this file instead of stdout')
    .action((selectors: string[], opts: { out?: string }) => {
      const project = loadOrExplain();
      const md = modelDocs(project, select(project, selectors));
      if (opts.out) {
        fs.writeFileSync(opts.out, md);
        print(`wrote ${opts.out}`);
      } else print(md);
    });
}

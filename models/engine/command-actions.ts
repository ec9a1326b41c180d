/**
 * What `salesops models run|test|build|ls|docs` do (commands.ts registers them): the CLI face of
 * the runner. Lines go to stdout as each model finishes; the exit code is 1 when a model, an
 * error-severity test or a source freshness check failed, so a schedule or CI can rely on it.
 */
import fs from 'node:fs';
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

/** `models run|test|build`: the selected models, through the runner, one line each. */
export async function executeModels(
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

/** `models ls`: the selected models in build order. */
export function listModelsCommand(selectors: string[], print: Print): void {
  const project = loadOrExplain();
  for (const line of listModels(project, select(project, selectors))) print(line);
}

/** `models docs`: Markdown documentation of the selected models, to stdout or a file. */
export function modelDocsCommand(selectors: string[], opts: { out?: string }, print: Print): void {
  const project = loadOrExplain();
  const md = modelDocs(project, select(project, selectors));
  if (opts.out) {
    fs.writeFileSync(opts.out, md);
    print(`wrote ${opts.out}`);
  } else print(md);
}

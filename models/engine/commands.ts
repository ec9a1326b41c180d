/**
 * `salesops models run|test|build|ls|docs`: the options and their parsers. What each command does
 * is in command-actions.ts, loaded when it runs (the lazy-import rule in cli.ts), so
 * `models --help` loads neither DuckDB nor the engine.
 */
import { InvalidArgumentError, type Command } from 'commander';

type Print = (line: string) => void;

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

/** Add the `models` command group to the salesops CLI. */
export function registerModelCommands(program: Command, print: Print): void {
  const actions = () => import('./command-actions.ts');
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
    cmd.action(async (selectors: string[], opts) =>
      (await actions()).executeModels(name, selectors, opts, print),
    );
  }

  models
    .command('ls [selectors...]')
    .description('list the selected models in build order')
    .action(async (selectors: string[]) => (await actions()).listModelsCommand(selectors, print));

  models
    .command('docs [selectors...]')
    .description('Markdown documentation of the selected models (stdout, or --out FILE)')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (selectors: string[], opts: { out?: string }) =>
      (await actions()).modelDocsCommand(selectors, opts, print),
    );
}

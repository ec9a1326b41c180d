/**
 * The `salesops` command. Every failure prints one line on stderr and exits 1: the ones we can
 * explain (bad config or arguments, unreachable database, a data folder held by a running server,
 * a refused request) as the whole story; anything else as its message plus how to see the stack
 * (LOG_LEVEL=debug), because a stack trace tells a user nothing but that the tool broke.
 *
 * The lazy-import rule, for this file and every register module (api/auth/commands.ts,
 * models/engine/commands.ts, ingest/import/command.ts, and the next one, jobs/commands.ts):
 * at the top level import only commander, node: built-ins, `import type`, and modules that import
 * nothing heavy themselves (option parsers, help-text data such as ingest/import/files.ts or
 * db/demo/size.ts). Everything an action runs is loaded inside the action with `await import()`,
 * either its modules directly or one sibling file of action bodies (api/auth/key-actions.ts).
 * A static import of runtime.ts, config.ts (zod), kysely, pg, PGlite, DuckDB or Express would
 * load on every `salesops --help`: that was ~1 s of a 1.2 s start. test/cli-start.test.ts fails
 * when `--help`, `--version` or `models --help` loads one of them; bench/cli-start.ts measures.
 */
import fs from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { registerKeyCommands } from './api/auth/commands.ts';
import { registerSqlCommand } from './api/sql/commands.ts';
import { registerUserCommands } from './api/users/commands.ts';
import { DEFAULT_DEMO_ORDERS } from './db/demo/size.ts';
import type { IngestCommandOptions } from './ingest/command.ts';
import { registerImportCommand } from './ingest/import/command.ts';
import { registerJobCommands } from './jobs/commands.ts';
import { registerModelCommands } from './models/engine/commands.ts';

const print = (line: string) => process.stdout.write(line + '\n');
const note = (line: string) => process.stderr.write(line + '\n');

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number ≥ 0');
  return n;
}

/** An order count: loadDemo refuses 0, so say so here rather than with a RangeError trace. */
function orderCount(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number ≥ 1');
  return n;
}

const { version } = JSON.parse(
  fs.readFileSync(new URL('./package.json', import.meta.url), 'utf8'),
) as { version: string };

const program = new Command()
  .name('salesops')
  .description('Sales management: the API, the DuckDB warehouse and its SQL models')
  .version(version, '-V, --version', 'print the version');

program
  .command('start')
  .description(
    'migrate the database and serve the HTTP API (/api/v1, OpenAPI, /health) until stopped; ' +
      'an empty database gets the demo data and a first admin key',
  )
  .option('--no-demo', 'start on an empty database, without demo data')
  .option(
    '--demo-orders <n>',
    'size of the demo loaded into an empty database (orders over two years)',
    orderCount,
    DEFAULT_DEMO_ORDERS,
  )
  .action(async (opts: { demo: boolean; demoOrders: number }) => {
    const [{ readConfig }, { startServer }] = await Promise.all([
      import('./runtime.ts'),
      import('./server.ts'),
    ]);
    const config = readConfig();
    const running = await startServer(config, {
      demo: opts.demo,
      demoOrders: opts.demoOrders,
      print,
    });
    const stop = async () => {
      note('stopping…');
      await running.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

program
  .command('migrate')
  .description('apply schema migrations to the operational database')
  .action(async () => {
    const [{ openMigratedDb, readConfig }, { migrateToLatest }] = await Promise.all([
      import('./runtime.ts'),
      import('./db/migrate.ts'),
    ]);
    const config = readConfig();
    const ops = await openMigratedDb(config, 'migrate');
    try {
      const again = await migrateToLatest(ops.db);
      print(`schema is up to date on ${ops.description}${again.applied.length ? '' : ''}`);
    } finally {
      await ops.close();
    }
  });

program
  .command('demo')
  .description('load the demo data set into an empty database (deterministic for a seed)')
  .option('--orders <n>', 'number of orders over the two years', orderCount, DEFAULT_DEMO_ORDERS)
  .option('--seed <s>', 'random seed', positiveInt, 1)
  .action(async (opts: { orders: number; seed: number }) => {
    const [
      { CliError, openMigratedDb, readConfig },
      { DemoTargetNotEmptyError, loadDemo },
      { demoProgressPrinter },
    ] = await Promise.all([
      import('./runtime.ts'),
      import('./db/demo/index.ts'),
      import('./db/demo/progress.ts'),
    ]);
    const ops = await openMigratedDb(readConfig(), 'demo');
    try {
      const t0 = Date.now();
      const s = await loadDemo(ops, {
        orders: opts.orders,
        seed: opts.seed,
        onProgress: demoProgressPrinter(),
      });
      print(
        `loaded ${s.orders} orders, ${s.orderLines} order lines, ${s.customers} customers, ${s.products} products ` +
          `into ${ops.description} in ${((Date.now() - t0) / 1000).toFixed(1)}s`,
      );
    } catch (e) {
      if (e instanceof DemoTargetNotEmptyError) throw new CliError(e.message);
      throw e;
    } finally {
      await ops.close();
    }
  });

program
  .command('ingest')
  .description('copy the operational tables into the warehouse (incremental after the first run)')
  .option('--full', 'recopy the tables whole instead of merging changes')
  .option('--tables <names>', 'only these tables, comma-separated')
  .option('--status', 'show the latest runs instead of running one')
  .option('--key <key>', 'admin or manager API key, to hand the run to a running server')
  .action(async (opts: IngestCommandOptions) => {
    const [{ readConfig }, { ingestCommand }] = await Promise.all([
      import('./runtime.ts'),
      import('./ingest/command.ts'),
    ]);
    const tty = process.stderr.isTTY;
    await ingestCommand(readConfig(), opts, {
      print,
      note: (line) => note(tty ? `\r\x1b[K${line}` : line),
      live: tty ? (text) => process.stderr.write(`\r\x1b[K${text}`) : undefined,
    });
  });

registerKeyCommands(program, print, note);
registerUserCommands(program, print, note);

program
  .command('doctor')
  .description(
    'check configuration, database and warehouse and say what is wrong; creates and migrates nothing',
  )
  .action(async () => {
    const { doctor } = await import('./doctor.ts');
    process.exitCode = await doctor(print);
  });

registerModelCommands(program, print);
registerImportCommand(program, print, note);
registerJobCommands(program, print, note);
registerSqlCommand(program, print, note);

oneLineUsageErrors(program, 'salesops');

/**
 * Commander's usage errors ("option '--role <role>' argument missing", "… is invalid for argument
 * 'id'") as one line in the same form as every other failure, with where to read the usage.
 */
function oneLineUsageErrors(cmd: Command, path: string): void {
  cmd.configureOutput({
    outputError: (str: string, write: (s: string) => void) =>
      write(`salesops: ${str.trim().replace(/^error: /, '')} (see ${path} --help)\n`),
  });
  for (const sub of cmd.commands) oneLineUsageErrors(sub, `${path} ${sub.name()}`);
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // Loaded here, not at the top: explaining a failure needs the error classes of the database
  // and warehouse modules, which a command that failed has mostly loaded already.
  const [{ failureLines }, { loadConfig }] = await Promise.all([
    import('./runtime.ts'),
    import('./config.ts'),
  ]);
  let logLevel = 'info';
  try {
    logLevel = loadConfig().logLevel;
  } catch {
    /* a bad LOG_LEVEL: keep to the one line */
  }
  for (const line of failureLines(e, logLevel)) note(line);
  process.exit(1);
}

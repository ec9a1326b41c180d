/**
 * The `salesops` command. Every failure we can explain (bad config, unreachable database, a data
 * folder held by a running server) prints one line and exits 1; anything else is a bug and keeps
 * its stack.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { sql } from 'kysely';
import { ROLES, type Role } from './db/schema.ts';
import { countKeys, createApiKey, listKeys, revokeKey } from './api/auth/service.ts';
import { readFolderLock } from './db/folder-lock.ts';
import { migrateToLatest } from './db/migrate.ts';
import {
  CliError,
  explain,
  openMigratedDb,
  openWarehouseOrExplain,
  readConfig,
} from './runtime.ts';
import { startServer } from './server.ts';
import { ingestCommand, type IngestCommandOptions } from './ingest/command.ts';
import { registerModelCommands } from './models/engine/commands.ts';
import { registerImportCommand } from './ingest/import/command.ts';
import { DEFAULT_DEMO_ORDERS, DemoTargetNotEmptyError, loadDemo } from './db/demo/index.ts';
import { demoProgressPrinter } from './db/demo/progress.ts';

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

const program = new Command()
  .name('salesops')
  .description('Sales management: API, warehouse, models, dashboards')
  .showHelpAfterError();

program
  .command('start')
  .description('run the API (and scheduler, dashboards); loads demo data into an empty database')
  .option('--no-demo', 'start on an empty database, without demo data')
  .option(
    '--demo-orders <n>',
    'size of the demo loaded into an empty database (orders over two years)',
    orderCount,
    DEFAULT_DEMO_ORDERS,
  )
  .action(async (opts: { demo: boolean; demoOrders: number }) => {
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
    const tty = process.stderr.isTTY;
    await ingestCommand(readConfig(), opts, {
      print,
      note: (line) => note(tty ? `\r\x1b[K${line}` : line),
      live: tty ? (text) => process.stderr.write(`\r\x1b[K${text}`) : undefined,
    });
  });

const keys = program.command('keys').description('API keys');
keys
  .command('create')
  .description('create an API key; the key is printed alone on the last line')
  .addOption(new Option('--role <role>', 'role').choices(ROLES as string[]).makeOptionMandatory())
  .requiredOption('--name <name>', 'who or what the key is for')
  .option('--rep <id>', 'sales rep the key belongs to', positiveInt)
  .action(async (opts: { role: Role; name: string; rep?: number }) => {
    const ops = await openMigratedDb(readConfig(), 'keys create');
    try {
      const k = await createApiKey(ops.db, {
        name: opts.name,
        role: opts.role,
        repId: opts.rep ?? null,
      });
      note(`created key #${k.id} "${k.name}" (${k.role}); it is shown once:`);
      print(k.key);
    } finally {
      await ops.close();
    }
  });
keys
  .command('list')
  .description('list API keys (never the secrets)')
  .action(async () => {
    const ops = await openMigratedDb(readConfig(), 'keys list');
    try {
      for (const k of await listKeys(ops.db)) {
        print(
          `${k.id}\t${k.role}\t${k.key_prefix}\t${k.revoked_at ? 'revoked' : 'active'}\t${k.name}`,
        );
      }
    } finally {
      await ops.close();
    }
  });
keys
  .command('revoke <id>')
  .description('revoke an API key by id')
  .action(async (id: string) => {
    const ops = await openMigratedDb(readConfig(), 'keys revoke');
    try {
      const r = await revokeKey(ops.db, positiveInt(id));
      if (!r) throw new CliError(`no active API key with id ${id}`);
      print(`revoked key ${id}`);
    } finally {
      await ops.close();
    }
  });

program
  .command('doctor')
  .description('check configuration, database and warehouse, and say what is wrong')
  .action(async () => {
    let problems = 0;
    const ok = (m: string) => print(`ok    ${m}`);
    const bad = (m: string) => {
      problems++;
      print(`FAIL  ${m}`);
    };
    let config;
    try {
      config = readConfig();
      ok(`configuration (data folder ${config.dataDir}, port ${config.port})`);
    } catch (e) {
      bad((e as Error).message);
      process.exitCode = 1;
      return;
    }
    const owner = readFolderLock(config.dataDir);
    if (owner && owner.pid !== process.pid) {
      ok(
        `a salesops ${owner.command} process (pid ${owner.pid}) owns the data folder${owner.url ? ` at ${owner.url}` : ''}`,
      );
      if (owner.url) {
        try {
          const h = (await (await fetch(`${owner.url}/health`)).json()) as {
            status: string;
            database: { ok: boolean };
            warehouse: { ok: boolean };
          };
          (h.database.ok ? ok : bad)(`database, as the running server reports it`);
          (h.warehouse.ok ? ok : bad)(`warehouse, as the running server reports it`);
        } catch (e) {
          bad(
            `the running server at ${owner.url} does not answer /health: ${(e as Error).message}`,
          );
        }
      }
    } else {
      try {
        const ops = await openMigratedDb(config, 'doctor');
        await sql`SELECT 1`.execute(ops.db);
        ok(`database: ${ops.description} (migrated; ${await countKeys(ops.db)} API keys)`);
        await ops.close();
      } catch (e) {
        bad(`database: ${(e as Error).message}`);
      }
      try {
        const w = await openWarehouseOrExplain(config, 'doctor');
        const c = await w.connect();
        await c.run('SELECT 1');
        c.closeSync();
        w.close();
        ok(`warehouse: ${config.warehousePath}`);
      } catch (e) {
        bad(`warehouse: ${(e as Error).message}`);
      }
    }
    print(problems ? `${problems} problem(s) found` : 'all good');
    process.exitCode = problems ? 1 : 0;
  });

registerModelCommands(program, print);
registerImportCommand(program, print, note);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const known = explain(e);
  if (!known) throw e;
  note(`salesops: ${known.message}`);
  process.exit(1);
}

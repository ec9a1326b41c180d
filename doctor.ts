/**
 * `salesops doctor`: checks configuration, database and warehouse and says what is wrong, one
 * check a line. It only looks: on a folder where nothing exists yet it says so and creates
 * nothing (no data folder, no PGlite files, no warehouse file), and it never migrates.
 */
import fs from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { Migrator, sql } from 'kysely';
import { activeManagerKeysWithoutRep, countKeys } from './api/auth/service.ts';
import type { Config } from './config.ts';
import { openOperationalDb } from './db/connection.ts';
import { readFolderLock } from './db/folder-lock.ts';
import { migrations } from './db/migrations/index.ts';
import type { OperationalDb } from './db/operational.ts';
import { explain, readConfig } from './runtime.ts';
import { setWarehouseTimezone } from './warehouse/duckdb.ts';

interface Report {
  ok(m: string): void;
  bad(m: string): void;
  /** Not a problem, but worth knowing (nothing created yet). */
  note(m: string): void;
}

/** Run every check, printing one line each and a summary; resolves with the exit code. */
export async function doctor(print: (line: string) => void): Promise<number> {
  let problems = 0;
  let notes = 0;
  const report: Report = {
    ok: (m) => print(`ok    ${m}`),
    bad: (m) => {
      problems++;
      print(`FAIL  ${m}`);
    },
    note: (m) => {
      notes++;
      print(`note  ${m}`);
    },
  };
  let config: Config;
  try {
    config = readConfig();
    await checkTimezoneInDuckDb(config.timezone);
    report.ok(`configuration (data folder ${config.dataDir}, port ${config.port})`);
  } catch (e) {
    report.bad((e as Error).message);
    return 1;
  }
  const owner = readFolderLock(config.dataDir);
  if (owner && owner.pid !== process.pid) {
    report.ok(
      `a salesops ${owner.command} process (pid ${owner.pid}) owns the data folder${owner.url ? ` at ${owner.url}` : ''}`,
    );
    if (owner.url) await askServer(owner.url, report);
  } else if (fs.existsSync(config.dataDir) && !fs.statSync(config.dataDir).isDirectory()) {
    report.bad(`the data folder ${config.dataDir} is a file, not a folder (SALESOPS_DATA_DIR)`);
  } else {
    await checkDatabase(config, report);
    await checkWarehouse(config, report);
  }
  print(problems ? `${problems} problem(s) found` : notes ? 'no problems found' : 'all good');
  return problems ? 1 : 0;
}

/**
 * Intl (config.ts) and DuckDB's ICU each carry a time-zone list; a name only one of them knew
 * would pass the configuration check and fail at the first warehouse query. An in-memory DuckDB
 * costs a few milliseconds.
 */
async function checkTimezoneInDuckDb(timezone: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  try {
    await setWarehouseTimezone(c, timezone, 'SESSION');
  } catch (e) {
    throw explain(e) ?? e;
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

async function askServer(url: string, report: Report): Promise<void> {
  try {
    const h = (await (await fetch(`${url}/health`)).json()) as {
      database: { ok: boolean };
      warehouse: { ok: boolean };
    };
    (h.database.ok ? report.ok : report.bad)(`database, as the running server reports it`);
    (h.warehouse.ok ? report.ok : report.bad)(`warehouse, as the running server reports it`);
  } catch (e) {
    report.bad(`the running server at ${url} does not answer /health: ${(e as Error).message}`);
  }
}

function isEmptyOrMissing(dir: string): boolean {
  try {
    return fs.readdirSync(dir).length === 0;
  } catch {
    return true;
  }
}

async function checkDatabase(config: Config, report: Report): Promise<void> {
  // PGlite creates its folder when opened: look before opening.
  if (!config.databaseUrl && isEmptyOrMissing(config.pgliteDir)) {
    report.note(`no database yet in ${config.dataDir}; \`salesops start\` creates it`);
    return;
  }
  let ops: OperationalDb | undefined;
  try {
    ops = await openOperationalDb(config, 'doctor');
    await sql`SELECT 1`.execute(ops.db);
    // getMigrations only reads (it does not create Kysely's tables), unlike migrateToLatest.
    const all = await new Migrator({
      db: ops.db,
      provider: { getMigrations: async () => migrations },
    }).getMigrations();
    const pending = all.filter((m) => !m.executedAt).length;
    if (pending === all.length) {
      report.note(
        `database: ${ops.description} has no salesops schema yet; \`salesops start\` (or \`salesops migrate\`) creates it`,
      );
    } else if (pending) {
      report.ok(
        `database: ${ops.description} (${pending} migration(s) to apply; \`salesops start\` or \`salesops migrate\` applies them)`,
      );
    } else {
      report.ok(`database: ${ops.description} (migrated; ${await countKeys(ops.db)} API keys)`);
      const repless = await activeManagerKeysWithoutRep(ops.db);
      if (repless.length)
        report.bad(
          `manager API key(s) ${repless.join(', ')} belong to no sales rep and so see no team's customers: ` +
            'revoke them and create them again with --rep',
        );
    }
  } catch (e) {
    report.bad(`database: ${(explain(e) ?? (e as Error)).message}`);
  } finally {
    await ops?.close().catch(() => {});
  }
}

async function checkWarehouse(config: Config, report: Report): Promise<void> {
  if (!fs.existsSync(config.warehousePath)) {
    report.note(`no warehouse yet in ${config.dataDir}; \`salesops start\` creates it`);
    return;
  }
  try {
    // Read-only: looking must not change the file (nor create the folders a writer needs).
    const instance = await DuckDBInstance.create(config.warehousePath, {
      access_mode: 'READ_ONLY',
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    });
    const c = await instance.connect();
    await c.run('SELECT 1');
    c.closeSync();
    instance.closeSync();
    report.ok(`warehouse: ${config.warehousePath}`);
  } catch (e) {
    report.bad(`warehouse: ${config.warehousePath}: ${(e as Error).message}`);
  }
}

/**
 * The DuckDB warehouse: one instance per file per process (fromCache), owned by the process
 * that runs the API and the scheduler. Locked down at open, because analysts share this
 * read-write instance: only the ingest temp folder and the export folder are reachable, no
 * extension can be installed or loaded, and nobody can undo that with SET.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { ConfigError, type Config } from '../config.ts';
import { acquireFolderLock } from '../db/folder-lock.ts';

export interface Warehouse {
  readonly path: string;
  readonly instance: DuckDBInstance;
  /** A new connection on the shared instance; the caller closes it (closeSync). */
  connect(): Promise<DuckDBConnection>;
  close(): void;
}

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/**
 * Set the session's (or with `global`, the instance's) TimeZone. config.ts checks the name
 * against the JavaScript runtime's list; DuckDB's ICU has its own, so a name it lacks is
 * reported as the configuration error it is, not as DuckDB's list of candidates.
 */
export async function setWarehouseTimezone(
  c: DuckDBConnection,
  timezone: string,
  scope: 'GLOBAL' | 'SESSION' = 'GLOBAL',
): Promise<void> {
  try {
    await c.run(`SET ${scope} TimeZone = ${sqlString(timezone)}`);
  } catch (e) {
    if (!/Unknown TimeZone/i.test(String(e))) throw e;
    throw new ConfigError(
      `SALESOPS_TIMEZONE: the warehouse (DuckDB) does not know the time zone ${JSON.stringify(timezone)}`,
    );
  }
}

/** Open (creating if needed) the warehouse file named by the config, locked down. */
export async function openWarehouse(
  config: Pick<
    Config,
    'warehousePath' | 'ingestTempDir' | 'exportDir' | 'dataDir' | 'timezone' | 'warehouseMemory'
  >,
  command = 'start',
): Promise<Warehouse> {
  acquireFolderLock(config.dataDir, command);
  for (const dir of [path.dirname(config.warehousePath), config.ingestTempDir, config.exportDir]) {
    fs.mkdirSync(dir, { recursive: true });
  }
  const instance = await DuckDBInstance.fromCache(config.warehousePath, {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    memory_limit: config.warehouseMemory,
    // Hand memory back to the system whenever more than 16 MB is freed at once (a load's
    // buffers, a dropped table): with the default (512 MB) glibc kept what a big load had used.
    // Peak RSS of a 10 M-line ingest: 635–738 MB before, 283–417 MB with this, at the same speed
    // (bench/ingest.ts). Trimming after every task above 16 MB as well cost ~5 % of the speed.
    allocator_bulk_deallocation_flush_threshold: '16MB',
  });
  const setup = await instance.connect();
  try {
    // Trailing slashes: allowed_directories matches by prefix, so /data/tmp must not admit /data/tmpx.
    const dirs = [config.ingestTempDir, config.exportDir].map((d) =>
      sqlString(path.resolve(d) + path.sep),
    );
    await setWarehouseTimezone(setup, config.timezone);
    await setup.run(`SET allowed_directories = [${dirs.join(', ')}]`);
    await setup.run('SET enable_external_access = false');
    await setup.run('SET lock_configuration = true');
  } catch (e) {
    // Already locked: a second open of the cached instance in this process. Nothing to do.
    if (!/lock_configuration|configuration has been locked/i.test(String(e))) throw e;
  } finally {
    setup.closeSync();
  }
  return {
    path: config.warehousePath,
    instance,
    connect: () => instance.connect(),
    close: () => instance.closeSync(),
  };
}

/** True when the warehouse answers a trivial query. */
export async function pingWarehouse(w: Warehouse): Promise<boolean> {
  const c = await w.connect();
  try {
    await c.run('SELECT 1');
    return true;
  } finally {
    c.closeSync();
  }
}

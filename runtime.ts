/**
 * Opening and closing the pieces a command needs, with failures turned into one plain line
 * (CliError) instead of a stack trace: bad config, unreachable database, busy data folder.
 */
import { ConfigError, loadConfig, type Config } from './config.ts';
import { DatabaseUnreachableError } from './db/copy-sql.ts';
import { openOperationalDb } from './db/connection.ts';
import { FolderBusyError } from './db/folder-lock.ts';
import { migrateToLatest } from './db/migrate.ts';
import type { OperationalDb } from './db/operational.ts';
import { openWarehouse, type Warehouse } from './warehouse/duckdb.ts';

/** An error whose message is the whole story for the user; the CLI prints it alone. */
export class CliError extends Error {
  override name = 'CliError';
}

/** Errors we know how to explain in one line. */
export function explain(e: unknown): CliError | undefined {
  if (e instanceof CliError) return e;
  if (e instanceof ConfigError) return new CliError(`Invalid configuration: ${e.message}`);
  if (e instanceof DatabaseUnreachableError || e instanceof FolderBusyError)
    return new CliError(e.message);
  return undefined;
}

export function readConfig(): Config {
  try {
    return loadConfig();
  } catch (e) {
    throw explain(e) ?? e;
  }
}

/** Open and migrate the operational database. */
export async function openMigratedDb(config: Config, command: string): Promise<OperationalDb> {
  let ops: OperationalDb;
  try {
    ops = await openOperationalDb(config, command);
  } catch (e) {
    throw explain(e) ?? e;
  }
  try {
    await migrateToLatest(ops.db);
  } catch (e) {
    await ops.close().catch(() => {});
    throw new CliError(`Could not migrate ${ops.description}: ${(e as Error).message}`);
  }
  return ops;
}

export async function openWarehouseOrExplain(config: Config, command: string): Promise<Warehouse> {
  try {
    return await openWarehouse(config, command);
  } catch (e) {
    const known = explain(e);
    if (known) throw known;
    throw new CliError(
      `Could not open the warehouse ${config.warehousePath}: ${(e as Error).message}`,
    );
  }
}

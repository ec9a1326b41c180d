/**
 * Opening and closing the pieces a command needs, with failures turned into one plain line
 * (CliError) instead of a stack trace: bad config, unreachable database, busy data folder.
 */
import { AppError } from './api/errors.ts';
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

/**
 * Errors we know how to explain in one line. An AppError is a rule of the application refusing
 * what was asked (the last admin key, an unknown rep): its message is written for people.
 */
export function explain(e: unknown): CliError | undefined {
  if (e instanceof CliError) return e;
  if (e instanceof AppError) return new CliError(e.message);
  if (e instanceof ConfigError) return new CliError(`Invalid configuration: ${e.message}`);
  if (e instanceof DatabaseUnreachableError || e instanceof FolderBusyError)
    return new CliError(e.message);
  return undefined;
}

/**
 * What the CLI prints for a failed command: one line. An error we can explain is the whole
 * story; anything else is a bug, named in one line with how to see its stack (printed above that
 * line when LOG_LEVEL is debug or trace), because a trace tells a user only that the tool broke.
 */
export function failureLines(e: unknown, logLevel: string): string[] {
  const known = explain(e);
  if (known) return [`salesops: ${known.message}`];
  const message = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  const stack = (logLevel === 'debug' || logLevel === 'trace') && e instanceof Error && e.stack;
  return [
    ...(stack ? [stack] : []),
    `salesops: unexpected error: ${message} (a bug; LOG_LEVEL=debug prints its stack trace)`,
  ];
}

/** The validated configuration, or a CliError naming the bad variable. */
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

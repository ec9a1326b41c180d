/** Chooses the operational database: DATABASE_URL → PostgreSQL, otherwise embedded PGlite. */
import type { Config } from '../config.ts';
import { openEmbedded } from './embedded.ts';
import { acquireFolderLock } from './folder-lock.ts';
import type { OperationalDb } from './operational.ts';
import { openPostgres } from './postgres.ts';

/**
 * Open the operational database named by the config. The embedded one takes the data-folder
 * lock first, so a second process gets a plain "in use by …" message, not a PGlite error.
 */
export async function openOperationalDb(config: Config, command: string): Promise<OperationalDb> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl, { prepared: config.pgPrepared });
  acquireFolderLock(config.dataDir, command);
  return openEmbedded(config.pgliteDir);
}

/** Applies the schema migrations with Kysely's Migrator (which takes an advisory lock on PG). */
import { Migrator, type Kysely } from 'kysely';
import { migrations } from './migrations/index.ts';

/** Result of a migration run: names applied now, in order. */
export interface MigrateResult {
  applied: string[];
}

/** Bring the schema to the latest version; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrateResult> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const msg = error instanceof Error ? error.message : String(error);
    throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${msg}`);
  }
  return {
    applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName),
  };
}

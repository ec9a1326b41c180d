/**
 * The change tracking a table created after 0001 takes on, as migrations 0200 and 0810 run it:
 * the `updated_at` trigger, the hard-delete trigger (keyed by `id`) that feeds `deleted_rows` for
 * the warehouse extractor, and the `updated_at` index it extracts by (functions of
 * 0001_operational_schema/change-tracking.ts).
 *
 * Frozen: databases that applied 0200 or 0810 were made by this exact text, and a fresh database
 * must end up the same. A table that needs other tracking gets its own statements in its own
 * migration, never an edit here.
 */
import { sql, type Kysely } from 'kysely';

/** Create the triggers and the index for each of `tables`, one statement batch per table. */
export async function trackChanges(db: Kysely<unknown>, tables: readonly string[]): Promise<void> {
  for (const table of tables) {
    await sql`
      CREATE TRIGGER ${sql.id(`${table}_updated_at`)} BEFORE UPDATE ON ${sql.table(table)}
        FOR EACH ROW EXECUTE FUNCTION set_updated_at();
      CREATE TRIGGER ${sql.id(`${table}_hard_delete`)} AFTER DELETE ON ${sql.table(table)}
        FOR EACH ROW EXECUTE FUNCTION record_hard_delete('id');
      CREATE INDEX ${sql.id(`${table}_updated_at_idx`)} ON ${sql.table(table)} (updated_at);
    `.execute(db);
  }
}

/**
 * The delivery log is pruned by the cleanup job (api/webhooks/prune.ts). Its two tables never
 * reach the warehouse (ingest/deny-list.ts), so the change tracking 0810 gave them only cost:
 * - the hard-delete triggers would write a `deleted_rows` tombstone for every pruned delivery
 *   and attempt — rows no ingest reads, in a table nothing prunes;
 * - the updated_at indexes (for incremental copies that never happen) took an entry on every
 *   pick and every record of a delivery, the dispatcher's hottest writes.
 * updated_at itself stays, kept by its trigger: the column still tells the truth.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TRIGGER webhook_deliveries_hard_delete ON webhook_deliveries;
    DROP TRIGGER webhook_attempts_hard_delete ON webhook_attempts;
    DROP INDEX webhook_deliveries_updated_at_idx;
    DROP INDEX webhook_attempts_updated_at_idx;
    CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (finished_at)
      WHERE finished_at IS NOT NULL;
  `.execute(db);
}

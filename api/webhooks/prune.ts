/**
 * Retention of the delivery log: the cleanup job removes deliveries finished (succeeded or dead)
 * more than SALESOPS_EVENT_RETENTION_DAYS ago, with their attempts — the log lasts as long as
 * the events it delivered (an older delivery's event is gone, so it could not be redelivered
 * anyway). Open deliveries stay whatever their age: the dispatcher still owes them. A batch per
 * transaction, so the dispatcher's writes never wait long behind it.
 */
import { sql, type Kysely } from 'kysely';
import { deleteInBatches } from '../../db/batched-delete.ts';
import type { DB } from '../../db/schema.ts';

export const PRUNE_DELIVERIES_BATCH = 5_000;

/** Remove finished deliveries older than `days` days and their attempts; returns both counts. */
export async function pruneDeliveries(
  db: Kysely<DB>,
  days: number,
  batch = PRUNE_DELIVERIES_BATCH,
): Promise<{ deliveries: number; attempts: number }> {
  let attempts = 0;
  const deliveries = await deleteInBatches(batch, async (limit) => {
    const step = await db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ id: string }>`
        SELECT id FROM webhook_deliveries
        WHERE finished_at < clock_timestamp() - make_interval(days => ${days})
        ORDER BY finished_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED`.execute(trx);
      if (rows.length === 0) return { deliveries: 0, attempts: 0 };
      const ids = rows.map((r) => Number(r.id));
      const attempts = await trx
        .deleteFrom('webhook_attempts')
        .where('delivery_id', 'in', ids)
        .executeTakeFirst();
      const deliveries = await trx
        .deleteFrom('webhook_deliveries')
        .where('id', 'in', ids)
        .executeTakeFirst();
      return {
        deliveries: Number(deliveries.numDeletedRows),
        attempts: Number(attempts.numDeletedRows),
      };
    });
    attempts += step.attempts;
    return step.deliveries;
  });
  return { deliveries, attempts };
}

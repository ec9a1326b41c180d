/**
 * The dispatcher's pick (api/webhooks/delivery-store.ts `pickDue`) walks one webhook's open
 * deliveries in due order and stops at the first `limit` it can send. The index it had
 * (next_attempt_at alone, across webhooks) left the planner sorting every open delivery and
 * checking each one's entity before the LIMIT: 7 ms a pick at a backlog of 3,000, growing with
 * the backlog, and picks were most of the dispatcher's time (bench/webhook-drain.ts). With
 * (webhook_id, next_attempt_at, id) the same pick is 0.13 ms at any backlog.
 *
 * A delivery in flight is due again when its lease runs out: the pick now writes the lease's end
 * to next_attempt_at too, so one condition (`next_attempt_at <= now`) covers both states; the
 * rows in flight now get it here.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    UPDATE webhook_deliveries SET next_attempt_at = lease_until
      WHERE status = 'delivering' AND lease_until IS NOT NULL;
    CREATE INDEX webhook_deliveries_pick ON webhook_deliveries (webhook_id, next_attempt_at, id)
      WHERE status IN ('pending', 'delivering');
    DROP INDEX webhook_deliveries_due;
  `.execute(db);
}

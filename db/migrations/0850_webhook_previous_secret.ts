/**
 * Rotating a webhook's secret keeps the one before it signing too, for a while (24 h unless the
 * admin says otherwise): every delivery meanwhile carries two signatures, so a receiver can
 * switch to the new secret whenever it deploys instead of failing deliveries until it does
 * (as Stripe and Svix do). Encrypted like the secret; both columns are named so that the ingest
 * deny-list's /secret/ pattern keeps them out of the warehouse.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE webhooks
      ADD COLUMN previous_secret_encrypted text,
      ADD COLUMN previous_secret_expires_at timestamptz;
  `.execute(db);
}

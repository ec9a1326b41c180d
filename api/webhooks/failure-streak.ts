/**
 * A webhook's failing streak: every failed attempt counts against it (a success resets it, in
 * delivery-store.ts), and a streak both long and old enough (policy.ts `shouldDisable`)
 * disables the webhook — in the same transaction as the attempt that tipped it, with an alert
 * admins see in GET /api/v1/alerts and a `webhook.disabled` event.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { recordEvents } from '../events/outbox.ts';
import type { OutcomePolicy } from './delivery-store.ts';
import { shouldDisable } from './policy.ts';
import { toWebhookDto } from './schemas.ts';
import { loggedUrl, loggedWebhook } from './logged-url.ts';

/** Alert kind raised when the dispatcher disables a webhook (GET /api/v1/alerts lists it). */
export const WEBHOOK_DISABLED = 'webhook.disabled';

/** Count a failed attempt against its webhook; disable it when the policy says so. */
export async function countFailure(
  trx: Transaction<DB>,
  webhookId: number,
  now: Date,
  error: string | null,
  policy: OutcomePolicy,
): Promise<boolean> {
  const w = await trx
    .updateTable('webhooks')
    .set((eb) => ({
      consecutive_failures: eb('consecutive_failures', '+', 1),
      failing_since: sql`coalesce(failing_since, ${now}::timestamptz)`,
    }))
    .where('id', '=', webhookId)
    .returning(['active', 'deleted_at', 'consecutive_failures', 'failing_since'])
    .executeTakeFirst();
  if (!w || !w.active || w.deleted_at) return false;
  const disable = shouldDisable({
    consecutiveFailures: w.consecutive_failures,
    failingSince: w.failing_since,
    now,
    failures: policy.disableFailures,
    afterMs: policy.disableAfterMs,
  });
  if (!disable) return false;
  const reason =
    `${w.consecutive_failures} attempts in a row failed since ` +
    `${w.failing_since!.toISOString()}; the last: ${error ?? 'failed'}`;
  const row = await trx
    .updateTable('webhooks')
    .set({ active: false, disabled_reason: reason.slice(0, 1000), disabled_at: now })
    .where('id', '=', webhookId)
    .returningAll()
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('alerts')
    .values({
      kind: WEBHOOK_DISABLED,
      message: `webhook ${webhookId} (${loggedUrl(row.url)}) was disabled: ${reason}`.slice(
        0,
        2000,
      ),
      payload: JSON.stringify({ webhookId, url: loggedUrl(row.url), reason }),
    })
    .execute();
  await recordEvents(trx, [
    {
      type: WEBHOOK_DISABLED,
      entity: { type: 'webhook', id: webhookId },
      payload: loggedWebhook(toWebhookDto(row)),
    },
  ]);
  return true;
}

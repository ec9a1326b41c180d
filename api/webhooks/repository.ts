/** SQL for the webhook admin routes: webhooks, and their deliveries with their attempts. */
import { sql, type Insertable, type Kysely, type Transaction, type Updateable } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { DeliveryStatus, WebhooksTable } from '../../db/schema-webhooks.ts';
import { updateRowById } from '../../db/update-row.ts';
import type { IdPage } from '../pagination.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** Attempts shown per delivery at most (the newest; a redelivered one can have many). */
export const ATTEMPTS_SHOWN = 50;

export function listWebhooks(db: Db, page: IdPage) {
  let q = db.selectFrom('webhooks').selectAll().where('deleted_at', 'is', null);
  if (page.afterId !== undefined) q = q.where('id', '>', page.afterId);
  return q.orderBy('id').limit(page.limit).execute();
}

/** A live webhook; `lock`: FOR NO KEY UPDATE, for an update that follows (db/update-row.ts). */
export function findWebhook(db: Db, id: number, opts: { lock?: boolean } = {}) {
  return db
    .selectFrom('webhooks')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .$if(opts.lock === true, (q) => q.forNoKeyUpdate())
    .executeTakeFirst();
}

export function insertWebhook(db: Db, row: Insertable<WebhooksTable>) {
  return db.insertInto('webhooks').values(row).returningAll().executeTakeFirstOrThrow();
}

export function updateWebhook(db: Db, id: number, set: Updateable<WebhooksTable>) {
  return updateRowById(db, 'webhooks', id, set);
}

/** The newest published event id: where a new webhook's fan-out starts. */
export async function newestEventId(db: Db): Promise<number> {
  const row = await db.selectFrom('event_counter').select('last').executeTakeFirst();
  return Number(row?.last ?? 0);
}

/** A webhook's deliveries, newest first (`beforeId`: the page after a cursor). */
export function listDeliveries(
  db: Db,
  webhookId: number,
  opts: { beforeId?: number; limit: number; status?: DeliveryStatus },
) {
  let q = db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId);
  if (opts.status) q = q.where('status', '=', opts.status);
  if (opts.beforeId !== undefined) q = q.where('id', '<', opts.beforeId);
  return q.orderBy('id', 'desc').limit(opts.limit).execute();
}

/** The newest ATTEMPTS_SHOWN attempts of each delivery, oldest first. */
export async function attemptsOf(db: Db, deliveryIds: readonly number[]) {
  if (deliveryIds.length === 0) return [];
  return db
    .selectFrom((eb) =>
      eb
        .selectFrom('webhook_attempts')
        .selectAll()
        .select(
          sql<number>`row_number() OVER (PARTITION BY delivery_id ORDER BY id DESC)`.as('recent'),
        )
        .where('delivery_id', 'in', deliveryIds)
        .as('a'),
    )
    .selectAll()
    .where('recent', '<=', ATTEMPTS_SHOWN)
    .orderBy('delivery_id')
    .orderBy('id')
    .execute();
}

/** One delivery of a webhook; `lock`: FOR UPDATE, for the redelivery that follows. */
export function findDelivery(
  db: Db,
  webhookId: number,
  deliveryId: number,
  opts: { lock?: boolean } = {},
) {
  return db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('id', '=', deliveryId)
    .where('webhook_id', '=', webhookId)
    .$if(opts.lock === true, (q) => q.forUpdate())
    .executeTakeFirst();
}

/** Due again now, with a fresh retry window that starts at its next attempt. */
export function requeueDelivery(db: Db, deliveryId: number) {
  return db
    .updateTable('webhook_deliveries')
    .set({
      status: 'pending',
      next_attempt_at: sql<Date>`clock_timestamp()`,
      window_started_at: null,
      lease_until: null,
      finished_at: null,
    })
    .where('id', '=', deliveryId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** True while the event is still in the outbox (retention removes old ones). */
export async function eventExists(db: Db, eventId: number): Promise<boolean> {
  const row = await db
    .selectFrom('events')
    .select('row_id')
    .where('id', '=', eventId)
    .executeTakeFirst();
  return row !== undefined;
}

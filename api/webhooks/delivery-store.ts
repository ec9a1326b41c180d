/**
 * The dispatcher's SQL: fan-out (events → deliveries), picking what is due, recording attempts.
 * Every step is a short transaction on rows it locks, so any number of dispatchers (one per
 * server instance) can run on one database:
 * - fan-out locks the webhook row (FOR UPDATE SKIP LOCKED) and moves its cursor in the same
 *   transaction as the deliveries it inserts: two instances never fan out one event twice;
 * - picking locks deliveries FOR UPDATE SKIP LOCKED and marks them `delivering` with a lease
 *   before the HTTP request, which runs outside any transaction; a delivery is a candidate only
 *   while no older delivery of its webhook and entity is pending or in flight. SKIP LOCKED alone
 *   would let a second dispatcher take the next event of an entity while the first is still
 *   sending the one before it — the head-of-entity check is what keeps each entity in order;
 * - recording is conditional on the attempt number the pick handed out, so a dispatcher that
 *   lost its lease (it took longer than the lease, another one took over) records its attempt
 *   but cannot overwrite the newer one's outcome.
 * Times are the database's (clock_timestamp()), the one clock every instance shares.
 */
import { sql, type Kysely, type Transaction, type Updateable } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { WebhookDeliveriesTable } from '../../db/schema-webhooks.ts';
import { countFailure } from './failure-streak.ts';
import { afterFailure, eventTypeMatcher } from './policy.ts';
import type { SendResult } from './send.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** Events one fan-out transaction reads at most. */
export const FAN_OUT_BATCH = 1_000;

/** Turn each live webhook's new events into deliveries; returns how many were created. */
export async function fanOutAll(db: Kysely<DB>, batch = FAN_OUT_BATCH): Promise<number> {
  const { rows } = await sql<{ id: number }>`
    SELECT w.id FROM webhooks w, event_counter c
    WHERE w.active AND w.deleted_at IS NULL AND w.last_event_id < c.last
    ORDER BY w.id`.execute(db);
  let created = 0;
  for (const { id } of rows) created += await fanOutWebhook(db, Number(id), batch);
  return created;
}

/** Fan out one webhook's events past its cursor, a batch per transaction. */
async function fanOutWebhook(db: Kysely<DB>, id: number, batch: number): Promise<number> {
  let created = 0;
  for (;;) {
    const step = await db.transaction().execute(async (trx) => {
      // SKIP LOCKED: another instance fanning out (or an admin's PATCH) holds it; the next pass
      // comes back to it.
      const { rows } = await sql<{ event_types: string[]; last_event_id: string }>`
        SELECT event_types, last_event_id FROM webhooks
        WHERE id = ${id} AND active AND deleted_at IS NULL
        FOR UPDATE SKIP LOCKED`.execute(trx);
      const webhook = rows[0];
      if (!webhook) return undefined;
      const events = await trx
        .selectFrom('events')
        .select(['id', 'type', 'entity_type', 'entity_id'])
        .where('id', '>', Number(webhook.last_event_id))
        .orderBy('id')
        .limit(batch)
        .execute();
      if (events.length === 0) return { scanned: 0, created: 0 };
      const takes = eventTypeMatcher(webhook.event_types);
      const wanted = events.filter((e) => takes(e.type));
      if (wanted.length > 0)
        await sql`
          INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, entity_key)
          SELECT ${id}, e.id, e.type, e.entity_key
          FROM unnest(${wanted.map((e) => Number(e.id))}::bigint[],
                      ${wanted.map((e) => e.type)}::text[],
                      ${wanted.map((e) => `${e.entity_type}:${e.entity_id}`)}::text[])
            AS e(id, type, entity_key)
          ON CONFLICT (webhook_id, event_id) DO NOTHING`.execute(trx);
      await trx
        .updateTable('webhooks')
        .set({ last_event_id: Number(events[events.length - 1]!.id) })
        .where('id', '=', id)
        .execute();
      return { scanned: events.length, created: wanted.length };
    });
    if (!step) return created;
    created += step.created;
    if (step.scanned < batch) return created;
  }
}

/** A delivery this dispatcher now holds the lease of. */
export interface PickedDelivery {
  id: number;
  webhookId: number;
  eventId: number;
  /** This attempt's number: the outcome is recorded only while it is still the latest. */
  attempt: number;
  windowStartedAt: Date;
}

/**
 * Take up to `limit` due deliveries — each the oldest open one of its webhook and entity — and
 * mark them `delivering` until the lease runs out. Committed before anything is sent.
 */
export async function pickDue(
  db: Kysely<DB>,
  limit: number,
  leaseMs: number,
): Promise<PickedDelivery[]> {
  const { rows } = await sql<{
    id: string;
    webhook_id: string;
    event_id: string;
    attempts: number;
    window_started_at: Date;
  }>`
    WITH due AS (
      -- Per live webhook, its open deliveries in due order (a delivery in flight is due again
      -- when its lease runs out: the pick writes the lease's end to next_attempt_at), so the
      -- index (webhook_id, next_attempt_at, id) is walked only as far as the LIMIT needs.
      SELECT c.id FROM webhooks w CROSS JOIN LATERAL (
        SELECT d.id, d.next_attempt_at FROM webhook_deliveries d
        WHERE d.webhook_id = w.id
          AND d.status IN ('pending', 'delivering') AND d.next_attempt_at <= statement_timestamp()
          -- The head of its entity's open deliveries. As a correlated min() rather than NOT
          -- EXISTS: without fresh statistics (a backlog that just arrived) the planner ran
          -- the NOT EXISTS as a scan of every open delivery of the webhook, per candidate —
          -- 53 ms a pick at 12,000 open; this form can only be a probe of (webhook, entity).
          AND d.event_id = (
            SELECT min(o.event_id) FROM webhook_deliveries o
            WHERE o.webhook_id = d.webhook_id AND o.entity_key = d.entity_key
              AND o.status IN ('pending', 'delivering'))
        ORDER BY d.next_attempt_at, d.id
        LIMIT ${limit}
        FOR UPDATE OF d SKIP LOCKED
      ) c
      WHERE w.active AND w.deleted_at IS NULL
      ORDER BY c.next_attempt_at, c.id
      LIMIT ${limit}
    )
    UPDATE webhook_deliveries d
    SET status = 'delivering',
        attempts = d.attempts + 1,
        lease_until = clock_timestamp() + ${leaseMs} * interval '1 millisecond',
        next_attempt_at = clock_timestamp() + ${leaseMs} * interval '1 millisecond',
        window_started_at = coalesce(d.window_started_at, clock_timestamp())
    FROM due WHERE d.id = due.id
    RETURNING d.id, d.webhook_id, d.event_id, d.attempts, d.window_started_at`.execute(db);
  return rows.map((r) => ({
    id: Number(r.id),
    webhookId: Number(r.webhook_id),
    eventId: Number(r.event_id),
    attempt: r.attempts,
    windowStartedAt: r.window_started_at,
  }));
}

/** The rules recording applies to an outcome (from config, via the dispatcher). */
export interface OutcomePolicy {
  retryBaseMs: number;
  retryWindowMs: number;
  disableFailures: number;
  disableAfterMs: number;
}

/** What recording decided: the next attempt (when pending) and whether the webhook was disabled. */
export interface RecordedOutcome {
  status: 'succeeded' | 'pending' | 'dead' | 'lost';
  nextAttemptAt?: Date;
  disabled: boolean;
}

/**
 * Record one attempt and its outcome in one transaction. `final`: no point retrying (the event
 * is gone), so a failure is dead at once.
 */
export async function recordOutcome(
  db: Kysely<DB>,
  picked: PickedDelivery,
  attemptAt: Date,
  result: SendResult,
  policy: OutcomePolicy,
  final = false,
): Promise<RecordedOutcome> {
  return db.transaction().execute(async (trx) => {
    const now = await dbNow(trx);
    await trx
      .insertInto('webhook_attempts')
      .values({
        delivery_id: picked.id,
        webhook_id: picked.webhookId,
        attempt: picked.attempt,
        at: attemptAt,
        status_code: result.statusCode,
        latency_ms: result.latencyMs,
        response: result.response,
        error: result.error,
      })
      .execute();
    const last = {
      lease_until: null,
      last_attempt_at: attemptAt,
      last_status_code: result.statusCode,
      last_latency_ms: result.latencyMs,
      last_response: result.response,
      last_error: result.error,
    };
    if (result.ok) {
      const done = await updateIfMine(trx, picked, {
        ...last,
        status: 'succeeded',
        finished_at: now,
      });
      // Only a webhook that was failing is written: a success must not touch the row (and its
      // updated_at, which the ingest copies by) on every delivery.
      await trx
        .updateTable('webhooks')
        .set({ consecutive_failures: 0, failing_since: null })
        .where('id', '=', picked.webhookId)
        .where('consecutive_failures', '>', 0)
        .execute();
      return { status: Number(done.numUpdatedRows) > 0 ? 'succeeded' : 'lost', disabled: false };
    }

    const next = final
      ? ({ status: 'dead' } as const)
      : afterFailure({
          now,
          windowStartedAt: picked.windowStartedAt,
          attempt: picked.attempt,
          baseMs: policy.retryBaseMs,
          windowMs: policy.retryWindowMs,
        });
    const updated = await updateIfMine(
      trx,
      picked,
      next.status === 'dead'
        ? { ...last, status: 'dead', finished_at: now }
        : { ...last, status: 'pending', next_attempt_at: next.nextAttemptAt },
    );
    if (Number(updated.numUpdatedRows) === 0) return { status: 'lost', disabled: false };
    const disabled = await countFailure(trx, picked.webhookId, now, result.error, policy);
    return {
      status: next.status,
      nextAttemptAt: next.status === 'pending' ? next.nextAttemptAt : undefined,
      disabled,
    };
  });
}

/** Update the delivery while this attempt is still its latest and in flight. */
function updateIfMine(
  trx: Transaction<DB>,
  picked: PickedDelivery,
  set: Updateable<WebhookDeliveriesTable>,
) {
  return trx
    .updateTable('webhook_deliveries')
    .set(set)
    .where('id', '=', picked.id)
    .where('status', '=', 'delivering')
    .where('attempts', '=', picked.attempt)
    .executeTakeFirst();
}

async function dbNow(trx: Db): Promise<Date> {
  const { rows } = await sql<{ now: Date }>`SELECT clock_timestamp() AS now`.execute(trx);
  return rows[0]!.now;
}

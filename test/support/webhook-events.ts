/**
 * Events for the webhook suites, written to the outbox as a business write would
 * (recordEvents in a transaction), and what a receiver got, sorted per entity.
 */
import { sql } from 'kysely';
import { recordEvents } from '../../api/events/outbox.ts';
import { publishAll } from '../../api/events/publish.ts';
import type { OperationalDb } from '../../db/operational.ts';
import type { Received } from './webhook-receiver.ts';

/** One event: its type and entity (`order:1`). */
export type TestEvent = [type: string, entity: string];

/** Write `events` in one transaction, in order; returns their published ids. */
export async function emitEvents(ops: OperationalDb, events: TestEvent[]): Promise<number[]> {
  const marker = `t${Math.random().toString(36).slice(2)}`;
  await ops.db.transaction().execute((trx) =>
    recordEvents(
      trx,
      events.map(([type, entity], i) => {
        const [entityType, entityId] = entity.split(':') as [string, string];
        return {
          type,
          entity: { type: entityType, id: entityId },
          payload: { marker, n: i, entity, note: 'ünïcode ✓' },
        };
      }),
    ),
  );
  await publishAll(ops.db);
  const rows = await ops.db
    .selectFrom('events')
    .select('id')
    .where(sql<string>`payload->>'marker'`, '=', marker)
    .orderBy('id')
    .execute();
  return rows.map((r) => Number(r.id));
}

/** The event ids each entity's requests carried, in arrival order. */
export function idsPerEntity(requests: readonly Received[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const r of requests) {
    const key = `${r.event.entityType}:${r.event.entityId}`;
    out.set(key, [...(out.get(key) ?? []), r.event.id]);
  }
  return out;
}

/** True when `ids` never goes down (retries repeat an id; a later event never overtakes). */
export function nonDecreasing(ids: readonly number[]): boolean {
  return ids.every((id, i) => i === 0 || ids[i - 1]! <= id);
}

/** Wait until `check` holds (polled), or fail naming `what`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

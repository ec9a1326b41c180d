/** Outbox rows for the event suites, written as a business write would (api/events/outbox.ts). */
import { eventRow, type BusinessEvent } from '../../api/events/outbox.ts';
import { publishAll } from '../../api/events/publish.ts';
import type { TestEnv } from './harness.ts';

/**
 * Record `events` in one statement, publish them, wake the server's hub, and return their ids
 * in order.
 */
export async function emit(env: TestEnv, events: BusinessEvent[]): Promise<number[]> {
  const rows = await env.ops.db
    .insertInto('events')
    .values(events.map(eventRow))
    .returning('row_id')
    .execute();
  await publishAll(env.ops.db);
  // What the API does after each write commits: wake the hub (its poll would, within a second).
  env.ctx.events?.written();
  const ids = await env.ops.db
    .selectFrom('events')
    .select(['id', 'row_id'])
    .where(
      'row_id',
      'in',
      rows.map((r) => r.row_id),
    )
    .orderBy('row_id')
    .execute();
  return ids.map((r) => Number(r.id));
}

/** `order.created` for order `n` of customer `customerId`, as the orders area words it. */
export function orderCreated(n: number, customerId: number | null = null): BusinessEvent {
  return {
    type: 'order.created',
    entity: { type: 'order', id: n },
    customerId,
    payload: { id: n, status: 'draft' },
  };
}

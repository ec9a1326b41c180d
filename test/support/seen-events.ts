/**
 * Reading what the outbox published, for the events suites: publish, then the events numbered
 * above a mark; and waiting for job runs (and what they chain) to end, since a job may record
 * events of its own.
 */
import { sql } from 'kysely';
import { publishAll } from '../../api/events/publish.ts';
import type { TestEnv } from './harness.ts';

/** A published event as the suites read it. */
export interface SeenEvent {
  id: number;
  type: string;
  entityType: string;
  entityId: string;
  customerId: number | null;
  schemaVersion: number;
  payload: Record<string, any>;
  actorKeyId: number | null;
  actorUserId: number | null;
}

/** Publish, then every event numbered above `after`, oldest first. */
export async function eventsAfter(env: TestEnv, after: number): Promise<SeenEvent[]> {
  await publishAll(env.ops.db);
  const rows = await env.ops.db
    .selectFrom('events')
    .selectAll()
    .where('id', '>', after)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    type: r.type,
    entityType: r.entity_type,
    entityId: r.entity_id,
    customerId: r.customer_id === null ? null : Number(r.customer_id),
    schemaVersion: r.schema_version,
    payload: r.payload as Record<string, any>,
    actorKeyId: r.actor_key_id === null ? null : Number(r.actor_key_id),
    actorUserId: r.actor_user_id === null ? null : Number(r.actor_user_id),
  }));
}

/** Publish, then the newest event id (0 when none). */
export async function lastEventId(env: TestEnv): Promise<number> {
  await publishAll(env.ops.db);
  const r = await sql<{ id: string | null }>`SELECT max(id)::text AS id FROM events`.execute(
    env.ops.db,
  );
  return Number(r.rows[0]?.id ?? 0);
}

/** Wait until no job run is queued or running (a queued run and the runs it chains). */
export async function jobsIdle(env: TestEnv): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const busy = await env.ops.db
      .selectFrom('job_runs')
      .select('id')
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirst();
    if (!busy) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('job runs did not end within a minute');
}

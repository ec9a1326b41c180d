/**
 * What the events route suites (test/events-routes.test.ts, test/events-when.test.ts) check of a
 * write: the app they call with the walk's world, a call as admin with the events it recorded,
 * the envelope every event must have, and which fields an event's payload leaves out of the
 * route's answer.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { seedWalk, type WalkWorld } from './event-walk.ts';
import { startTestEnv, type DbKind, type TestEnv } from './harness.ts';
import { eventsAfter, jobsIdle, lastEventId, type SeenEvent } from './seen-events.ts';

/**
 * Answer fields that are never in an event: one-time secrets (an API key, a set-password link, a
 * webhook's secret), the history lists, and a user's `hasPassword` (named like a secret, so the
 * outbox's check refuses it: docs/events.md).
 */
export const ANSWER_ONLY = [
  'key',
  'setPasswordUrl',
  'expiresAt',
  'events',
  'stageHistory',
  'hasPassword',
  'secret', // a webhook's signing secret
];
/** The outbox's rule for secret field names (api/events/outbox.ts), and the answers' own. */
const SECRET_NAME =
  /(secret|password|token|apiKey|api_key|key_hash|keyHash)$|^key$|^setPasswordUrl$/i;

/** Every field name in a JSON value, at any depth. */
function fieldNames(v: unknown): string[] {
  if (v === null || typeof v !== 'object') return [];
  return Object.entries(v).flatMap(([k, x]) => [k, ...fieldNames(x)]);
}
/** Payload fields beyond the answer: what changed (docs/events.md). */
export const EVENT_ONLY = ['transition', 'previousStage'];
/** Entities that belong to a customer: their events carry its id. */
const CUSTOMER_OWNED = ['order', 'contact', 'activity', 'opportunity', 'customer'];

/** `o` without the fields `keys`. */
export function without(o: Record<string, unknown>, keys: readonly string[]) {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
}

/** The app a route suite calls, the walk's world in it, and the id of the admin key it calls with. */
export interface RouteSuite {
  env: TestEnv;
  w: WalkWorld;
  adminKeyId: number;
}

/**
 * Start a route suite's app on `kind` before its tests, seeded with the walk's world, and close it
 * after; `started` gets the suite. Its call: `method url` as admin, the answer and the events it
 * recorded.
 */
export function useRouteSuite(kind: DbKind, started: (suite: RouteSuite) => void) {
  let env: TestEnv | undefined;
  let suite: RouteSuite | undefined;
  beforeAll(async () => {
    // The job runtime runs (POST /jobs/… and /ingest/runs queue real runs), never on its own.
    // The walk's webhooks point at a closed port of this machine (test/support/walk-crm.ts).
    env = await startTestEnv(kind, {
      jobs: true,
      env: { SALESOPS_SCHEDULER: 'off', SALESOPS_WEBHOOK_ALLOW_PRIVATE: 'true' },
    });
    await jobsIdle(env);
    const w = await seedWalk(env);
    const key = await env.ops.db
      .selectFrom('api_keys')
      .select('id')
      .where('name', '=', 'test-admin')
      .executeTakeFirstOrThrow();
    suite = { env, w, adminKeyId: key.id };
    started(suite);
  });
  afterAll(async () => {
    await env?.close();
  });
  return (method: string, url: string, body?: unknown) => recordCall(suite!, method, url, body);
}

/** Call `method url` as admin; the answer and the events it recorded (`mine`: with its key). */
async function recordCall(
  { env, adminKeyId }: RouteSuite,
  method: string,
  url: string,
  body?: unknown,
) {
  const after = await lastEventId(env);
  const res = await env.request(method, `/api/v1${url}`, { body });
  expect(res.status, `${method} ${url}: ${res.text.slice(0, 300)}`).toBeLessThan(300);
  await jobsIdle(env);
  const all = await eventsAfter(env, after);
  return { res, all, mine: all.filter((e) => e.actorKeyId === adminKeyId) };
}

/** What every event of a request must be: its actor, its customer, a payload without secrets. */
export function checkEnvelope(e: SeenEvent) {
  expect(e.schemaVersion).toBe(1);
  expect(e.actorUserId).toBeNull(); // an API key of no user
  if (CUSTOMER_OWNED.includes(e.entityType)) {
    const owner = e.entityType === 'customer' ? e.payload.id : e.payload.customerId;
    expect(e.customerId, `${e.type}: customerId`).toBe(owner ?? null);
    if (e.entityType !== 'activity') expect(e.customerId, e.type).not.toBeNull();
  }
  expect(
    fieldNames(e.payload).filter((k) => SECRET_NAME.test(k)),
    e.type,
  ).toEqual([]);
}

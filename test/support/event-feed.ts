/**
 * Reading the feed (GET /api/v1/events) and an order's timeline over HTTP, for the events
 * suites: one GET as a role, and every page of a list, following nextCursor; and the app the
 * feed suites (test/events-feed.test.ts, test/events-scope.test.ts) read, with two teams.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { seedTeams, type TeamWorld } from '../crm-fixtures.ts';
import { startTestEnv, type DbKind, type TestEnv } from './harness.ts';

/** An event as the feed answers it: the fields the suites compare. */
export type FeedItem = {
  id: number;
  type: string;
  entityId: string;
  actor: { name: string | null };
};

/** GET /api/v1`url` as `key` (a role of the harness, or a key). */
export function getApi(
  env: TestEnv,
  url: string,
  key: string = 'admin',
  headers?: Record<string, string>,
) {
  return env.request('GET', `/api/v1${url}`, { key, headers });
}

/** Every page of `url` (which has a ?), following nextCursor. */
export async function allPages(
  env: TestEnv,
  url: string,
  key: string = 'admin',
): Promise<FeedItem[]> {
  const items: FeedItem[] = [];
  let cursor: string | null = null;
  do {
    const r = await getApi(env, `${url}${cursor ? `&cursor=${cursor}` : ''}`, key);
    expect(r.status, r.text).toBe(200);
    items.push(...r.body.items);
    cursor = r.body.nextCursor;
  } while (cursor);
  return items;
}

/**
 * Start a feed suite's app on `kind` before its tests (the job runtime on, never scheduled; two
 * teams seeded) and close it after; `started` gets both. Its reads: one GET, and every page.
 */
export function useFeedSuite(kind: DbKind, started: (env: TestEnv, world: TeamWorld) => void) {
  let env: TestEnv | undefined;
  beforeAll(async () => {
    env = await startTestEnv(kind, { jobs: true, env: { SALESOPS_SCHEDULER: 'off' } });
    started(env, await seedTeams(env));
  });
  afterAll(async () => {
    await env?.close();
  });
  return {
    get: (url: string, key?: string, headers?: Record<string, string>) =>
      getApi(env!, url, key, headers),
    all: (url: string, key?: string) => allPages(env!, url, key),
  };
}

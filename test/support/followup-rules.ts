/**
 * What the follow-up rule suites (test/activities-followup*.test.ts) share: an app on one
 * database with the two teams seeded, and calls on it — rules created through the API as a
 * manager and switched off after each test, and the tasks a rule made.
 */
import { expect } from 'vitest';
import { seedTeams, type TeamWorld } from '../crm-fixtures.ts';
import { startTestEnv, type DbKind, type TestEnv } from './harness.ts';

/** A follow-up suite's app and its two teams (crm-fixtures.ts), for the suite's beforeAll. */
export async function startFollowupEnv(kind: DbKind): Promise<{ env: TestEnv; world: TeamWorld }> {
  const env = await startTestEnv(kind);
  return { env, world: await seedTeams(env) };
}

/** The calls of a follow-up suite on `env()`, the suite's app (started in its beforeAll). */
export function followupRuleCalls(env: () => TestEnv) {
  const made: number[] = [];
  /** Create a rule as a manager (it must answer 201); it is switched off after the test. */
  const createRule = async (body: Record<string, unknown>) => {
    const r = await env().request('POST', '/api/v1/followup-rules', { key: 'manager', body });
    expect(r.status, r.text).toBe(201);
    made.push(r.body.id);
    return r.body as { id: number; createdAt: string };
  };
  /** A rule the test created itself, to be switched off after the test as well. */
  const switchOffLater = (id: number) => {
    made.push(id);
  };
  /** For afterEach: rules are global, so a test's rules are switched off before the next. */
  const switchOffRules = async () => {
    for (const id of made.splice(0)) {
      await env().request('PATCH', `/api/v1/followup-rules/${id}`, { body: { active: false } });
    }
  };
  /** The activities a rule created, oldest first. */
  const tasksOf = (ruleId: number) =>
    env()
      .ops.db.selectFrom('activities')
      .selectAll()
      .where('followup_rule_id', '=', ruleId)
      .orderBy('id')
      .execute();
  return { createRule, switchOffLater, switchOffRules, tasksOf };
}

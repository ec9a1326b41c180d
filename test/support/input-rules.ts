/**
 * What the input-rule suites (test/input-validation*.test.ts) share: the database wording that
 * must never reach a client, and calls on the suite's app.
 */
import { sql } from 'kysely';
import { expect } from 'vitest';
import type { TestEnv } from './harness.ts';

/** Database wording that must never reach a client. */
export const DATABASE_TEXT =
  /Key \(|already exists\.|_key\b|_fkey|_check|constraint|SQLSTATE|\(2\d{4}\)|precision|syntax error|byte sequence|out of range for type/i;

/** The calls of an input-rule suite on `env()`, the suite's app (started in its beforeAll). */
export function inputRuleCalls(env: () => TestEnv) {
  const post = async (path: string, body: unknown) => {
    const r = await env().request('POST', `/api/v1${path}`, { body });
    expect(r.status, `${path}: ${r.text}`).toBe(201);
    return r.body;
  };
  /** The fields a 400 names, without the request part (another change drops `body.` etc.). */
  const fieldsOf = (r: { body: any }) =>
    ((r.body?.errors ?? []) as { field: string }[]).map((e) =>
      e.field.replace(/^(body|query|path)\./, ''),
    );
  const counts = async () =>
    (
      await sql<Record<string, number>>`
        SELECT (SELECT count(*) FROM customers)::int AS customers,
               (SELECT count(*) FROM orders)::int AS orders,
               (SELECT count(*) FROM activities)::int AS activities,
               (SELECT count(*) FROM price_list_items)::int AS items,
               (SELECT count(*) FROM opportunities)::int AS opportunities,
               (SELECT count(*) FROM quotas)::int AS quotas,
               (SELECT count(*) FROM warehouses)::int AS warehouses,
               (SELECT count(*) FROM products)::int AS products,
               (SELECT count(*) FROM audit_log)::int AS audit`.execute(env().ops.db)
    ).rows[0]!;
  const auditCount = async () =>
    (await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_log`.execute(env().ops.db))
      .rows[0]!.n;

  return { post, fieldsOf, counts, auditCount };
}

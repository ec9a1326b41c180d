/**
 * Stopping a run through its abort signal (what the server's SIGTERM and a job cancel do): the
 * run rejects with IngestAbortedError, stops where it is instead of finishing the table, leaves
 * the warehouse exactly as the last commit did (count and checksum per table, as the crash test
 * checks), logs itself as 'interrupted', and the next run converges. On both databases; on
 * PostgreSQL also a run stuck waiting for PostgreSQL (a lock), which only dropping its
 * connection can stop.
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IngestAbortedError } from '../ingest/errors.ts';
import { runIngest, type IngestOptions } from '../ingest/run.ts';
import { listRuns } from '../ingest/status.ts';
import {
  compareParity,
  differences,
  seedIngestData,
  warehouseFingerprint,
} from './ingest-support.ts';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import fs from 'node:fs';

describeBoth('ingest abort', (kind) => {
  let env: TestEnv;
  let options: IngestOptions;
  /** The warehouse as the last completed run left it. */
  let committed: Record<string, string> = {};
  const run = (extra: Partial<IngestOptions> = {}) =>
    runIngest(env.ops, env.warehouse, { ...options, ...extra });
  const sql = (text: string) => env.ops.pool.query(text);

  beforeAll(async () => {
    env = await startTestEnv(kind);
    // 2,400 order lines in 4 KiB chunks: order_lines loads in dozens of chunks, so a run
    // stopped at its first one is mid-table.
    options = { tempDir: env.config.ingestTempDir, safetyLagMs: 0, chunkBytes: 4096 };
    await seedIngestData(env.ops, 600);
    await run();
    committed = await warehouseFingerprint(env.ops, env.warehouse);
  });
  afterAll(async () => {
    await env?.close();
  });

  /** Something for each run to do: an update, an insert, a hard delete. */
  let change = 0;
  const changeSomething = () => {
    change++;
    return sql(`
      UPDATE customers SET name = name || ' +' WHERE code = 'C1';
      INSERT INTO order_lines (order_id, line_no, product_id, quantity, unit_price, line_total)
        VALUES (${100 + change}, 9, 1, 1, 1.5, 1.5);
      DELETE FROM order_lines WHERE order_id = ${200 + change};`);
  };

  /** After an aborted run: nothing of it in the warehouse, logged, and the next run converges. */
  async function expectRolledBackThenConverges(error: unknown, reason: RegExp) {
    expect(error).toBeInstanceOf(IngestAbortedError);
    expect((error as Error).message).toMatch(/stopped before it finished/);
    expect((error as Error).message).toMatch(reason);
    expect(await warehouseFingerprint(env.ops, env.warehouse)).toEqual(committed);
    const [last] = await listRuns(env.warehouse, { limit: 1 });
    expect(last).toMatchObject({ status: 'interrupted', tablesCopied: 0 });
    expect(last!.error).toMatch(reason);
    expect(last!.tables.every((t) => t.status === 'rolled back')).toBe(true);
    expect(fs.readdirSync(env.config.ingestTempDir)).toEqual([]);
    // The session is free again (on PGlite the dropped connection's transaction rolled back).
    expect((await env.request('GET', '/api/v1/orders?limit=1')).status).toBe(200);
    await run();
    expect(differences(await compareParity(env.ops, env.warehouse))).toEqual([]);
    committed = await warehouseFingerprint(env.ops, env.warehouse);
  }

  it.each([
    { step: 'chunk:order_lines', full: true, label: 'mid-table, a first chunk loaded (--full)' },
    { step: 'extracted:customers', full: false, label: 'between tables' },
    // In the hook itself: the run's last chance to stop before COMMIT is when the hook returns.
    { step: 'before-commit', full: false, label: 'everything written, not committed', now: true },
  ])('stopped $label: rolled back, logged, the next run converges', async ({ step, full, now }) => {
    await changeSomething();
    const controller = new AbortController();
    const after: string[] = [];
    const error = await run({
      full,
      signal: controller.signal,
      onStep: (s) => {
        if (controller.signal.aborted) after.push(s);
        // Aborted from outside the hook, as a timer or SIGTERM would: whatever DuckDB or the
        // extraction does next is cut short.
        const abort = () => controller.abort(new Error('shutting down'));
        if (s === step) (now ? abort : () => setImmediate(abort))();
      },
    }).catch((e: unknown) => e);
    await expectRolledBackThenConverges(error, /shutting down/);
    // It stopped there: it did not finish order_lines, let alone the run.
    if (step === 'chunk:order_lines') expect(after).not.toContain('loaded:order_lines');
    expect(after).not.toContain('committed');
  });

  it('a signal aborted before the start refuses at once and records nothing', async () => {
    const runsBefore = await listRuns(env.warehouse, { limit: 1 });
    await expect(run({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(IngestAbortedError);
    expect(await listRuns(env.warehouse, { limit: 1 })).toEqual(runsBefore);
  });

  it.runIf(kind === 'postgres')(
    'stops a run that waits for PostgreSQL (a table locked by another session)',
    async () => {
      await changeSomething();
      const locker = new pg.Client({ connectionString: await databaseUrl(env) });
      await locker.connect();
      try {
        await locker.query('BEGIN; LOCK TABLE order_lines IN ACCESS EXCLUSIVE MODE');
        const controller = new AbortController();
        const running = run({ full: true, signal: controller.signal }).catch((e: unknown) => e);
        // Wait until the run's COPY of order_lines is queued behind the lock. (Asked on another
        // connection: inside its transaction the locker would see one frozen pg_stat_activity.)
        for (;;) {
          const r = await sql(
            `SELECT count(*)::int AS n FROM pg_stat_activity
             WHERE wait_event_type = 'Lock' AND query LIKE 'COPY%order_lines%'`,
          );
          if (r.rows[0].n > 0) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        controller.abort(new Error('cancelled by an admin'));
        // Still locked: only dropping the run's connection can have ended its wait.
        const error = await running;
        await locker.query('ROLLBACK');
        await expectRolledBackThenConverges(error, /cancelled by an admin/);
      } finally {
        await locker.end();
      }
    },
  );
});

/** The test database's URL, from the pool's own settings. */
async function databaseUrl(env: TestEnv): Promise<string> {
  const o = (env.ops.pool as unknown as { options: pg.PoolConfig }).options;
  if (o.connectionString) return o.connectionString;
  throw new Error('the test pool has no connection string');
}

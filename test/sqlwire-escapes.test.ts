/**
 * The wire door is the same read path: every attempt of the analyst-SQL escape table
 * (test/support/sql-escapes.ts) is refused through it with the reason POST /api/v1/sql gives —
 * a refusal as 42501, bad SQL as a class 42 error — and leaves the warehouse as it was; and a
 * long query is stopped from the client (psql's Ctrl-C: a CancelRequest on a new connection) as
 * its time limit would stop it, 57014, recorded in the history — as is the query of a client
 * that hangs up in the middle of it.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import pg from 'pg';
import { sqlGate } from '../api/sql/service.ts';
import { describeBoth } from './support/harness.ts';
import {
  escapeSql,
  fingerprint,
  plantEscapeTargets,
  SQL_ESCAPE_ATTEMPTS,
} from './support/sql-escapes.ts';
import { pgClient, PSQL, startWireEnv } from './support/sqlwire.ts';

/** Escapes of the shared table that the wire answers as session commands (session-settings.ts). */
const ANSWERED_HERE = new Set(['BEGIN TRANSACTION']);

describeBoth('SQL wire: escapes and cancel', (kind) => {
  let w: Awaited<ReturnType<typeof startWireEnv>>;
  let client: pg.Client;

  beforeAll(async () => {
    w = await startWireEnv(kind);
    await plantEscapeTargets(w.env);
    client = await pgClient(w.wire, 'key', w.env.keys.analyst);
  });
  afterAll(async () => {
    await client?.end();
    await w?.close();
  });

  it('refuses every escape attempt with its reason and SQLSTATE, changing nothing', async () => {
    const before = await fingerprint(w.env);
    for (const [template, status, reason] of SQL_ESCAPE_ATTEMPTS) {
      const sql = escapeSql(template, w.env.config);
      if (ANSWERED_HERE.has(sql)) {
        // A transaction marker over the wire (docs/sql.md, session commands): answered, and
        // nothing changes.
        await client.query(sql);
        await client.query('ROLLBACK');
        expect(await fingerprint(w.env), sql).toEqual(before);
        continue;
      }
      const err = await client.query(sql).then(
        () => undefined,
        (e: pg.DatabaseError) => e,
      );
      expect(err, sql).toBeDefined();
      expect(err!.message, sql).toMatch(reason);
      expect(err!.code, sql).toMatch(status === 422 ? /^42501$/ : /^42/);
      expect(JSON.stringify(err), sql).not.toMatch(/hunter2|theirs|root:/);
      expect(await fingerprint(w.env), sql).toEqual(before);
    }
    // The connection reads on after them all.
    expect((await client.query('SELECT sum(a)::INTEGER AS s FROM marts.t')).rows).toEqual([
      { s: 10 },
    ]);
  });

  it('stops a long query when psql is interrupted (CancelRequest), as a time limit would', async () => {
    const sql = `SELECT count(*) FROM range(1000000000000) r WHERE r.range % 7 = 3 -- cancel ${kind}`;
    const gate = sqlGate(w.env.ctx);
    expect(gate.load).toEqual({ running: 0, waiting: 0 });
    const child = spawn(
      PSQL,
      ['-h', w.wire.host, '-p', String(w.wire.port), '-U', 'key', '-X', '-c', sql],
      { env: { PATH: process.env.PATH ?? '', PGPASSWORD: w.env.keys.analyst } },
    );
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // Running when the analyst gate holds it; then Ctrl-C, as a person would press it.
    await vi.waitFor(() => expect(gate.load.running).toBe(1), { timeout: 20_000, interval: 20 });
    child.kill('SIGINT');
    expect(await exited).not.toBe(0);
    expect(stderr, stderr).toMatch(/ERROR: {2}the query was cancelled by its client/);
    await vi.waitFor(() => expect(gate.load.running).toBe(0), { timeout: 5_000, interval: 20 });
    const history = await w.env.ops.db
      .selectFrom('sql_history')
      .select(['status', 'error'])
      .where('sql', '=', sql)
      .execute();
    expect(history).toEqual([{ status: 408, error: expect.stringMatching(/cancelled/) }]);
  });

  it('stops the query of a client that goes away in the middle of it', async () => {
    const gone = await pgClient(w.wire, 'key', w.env.keys.analyst);
    gone.on('error', () => {});
    const sql = `SELECT count(*) FROM range(1000000000000) r WHERE r.range % 5 = 1 -- gone ${kind}`;
    const running = gone.query(sql).catch(() => undefined);
    const gate = sqlGate(w.env.ctx);
    await vi.waitFor(() => expect(gate.load.running).toBe(1), { timeout: 20_000, interval: 20 });
    (
      gone as unknown as { connection: { stream: { destroy(): void } } }
    ).connection.stream.destroy();
    await running;
    await vi.waitFor(() => expect(gate.load.running).toBe(0), { timeout: 10_000, interval: 20 });
    await vi.waitFor(async () =>
      expect(
        await w.env.ops.db
          .selectFrom('sql_history')
          .select('status')
          .where('sql', '=', sql)
          .execute(),
      ).toEqual([{ status: 408 }]),
    );
  });
});

/**
 * Escape attempts through POST /api/v1/sql, table-driven: writes, files, network, settings,
 * extensions, other databases, a second statement hidden in a comment or a string, EXPLAIN
 * ANALYZE of a write, the ingest's temp files and another user's export. Each is refused with
 * the expected status and a reason naming what was refused, and after each the warehouse's
 * catalog and contents, its settings and the folders it may write are exactly as before.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import {
  escapeSql,
  fingerprint,
  plantEscapeTargets,
  SQL_ESCAPE_ATTEMPTS,
} from './support/sql-escapes.ts';
import { withConnection } from './support/raw-tables.ts';

const ATTEMPTS = SQL_ESCAPE_ATTEMPTS;

describeBoth('SQL escape attempts', (kind) => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await startTestEnv(kind);
    await plantEscapeTargets(env);
  });
  afterAll(async () => {
    await env?.close();
  });

  it(`has at least 40 attempts (${ATTEMPTS.length})`, () => {
    expect(ATTEMPTS.length).toBeGreaterThanOrEqual(40);
  });

  it('refuses every attempt with its reason and leaves the warehouse as it was', async () => {
    const before = await fingerprint(env);
    for (const [template, status, reason] of ATTEMPTS) {
      const sql = escapeSql(template, env.config);
      const res = await env.request('POST', '/api/v1/sql', { key: 'analyst', body: { sql } });
      expect(res.status, sql).toBe(status);
      expect(res.headers.get('content-type'), sql).toMatch(/problem\+json/);
      expect(res.body.detail, sql).toMatch(reason);
      expect(JSON.stringify(res.body), sql).not.toMatch(/hunter2|theirs|root:/);
      expect(await fingerprint(env), sql).toEqual(before);
    }
  });

  it('judges a text run again as the first time: its kept parse, the catalog asked anew', async () => {
    const run = (sql: string) =>
      env.request('POST', '/api/v1/sql', { key: 'analyst', body: { sql } });
    for (const [template, status, reason] of ATTEMPTS.slice(0, 12)) {
      const sql = escapeSql(template, env.config);
      for (const time of ['first', 'second']) {
        const res = await run(sql);
        expect(res.status, `${time}: ${sql}`).toBe(status);
        expect(res.body.detail, `${time}: ${sql}`).toMatch(reason);
      }
    }
    // A relation that comes and goes between two runs of one text: found as a table, missing
    // (400, nothing bound) once dropped, found again as a view.
    const sql = 'SELECT count(*) AS n FROM marts.comes_and_goes';
    await withConnection(env.warehouse, (c) => c.run('CREATE TABLE marts.comes_and_goes (x INT)'));
    expect((await run(sql)).status).toBe(200);
    await withConnection(env.warehouse, (c) => c.run('DROP TABLE marts.comes_and_goes'));
    const gone = await run(sql);
    expect(gone.status).toBe(400);
    expect(gone.body.detail).toMatch(/marts\.comes_and_goes does not exist/);
    await withConnection(env.warehouse, (c) =>
      c.run('CREATE VIEW marts.comes_and_goes AS SELECT a FROM marts.t'),
    );
    expect((await run(sql)).body.rows).toEqual([['5']]);
    await withConnection(env.warehouse, (c) => c.run('DROP VIEW marts.comes_and_goes'));
  });

  it('still answers reads of the allowed schemas, the catalog and the generators', async () => {
    for (const sql of [
      'SELECT sum(a) AS s FROM marts.t',
      'WITH x AS (SELECT a FROM marts.t) SELECT count(*) FROM x',
      'VALUES (1), (2)',
      'FROM marts.t',
      'DESCRIBE marts.t',
      'SUMMARIZE marts.t',
      'SHOW TABLES',
      'EXPLAIN SELECT * FROM marts.t',
      'EXPLAIN ANALYZE SELECT * FROM marts.t',
      'SELECT count(*) FROM range(10)',
      'SELECT table_name FROM information_schema.tables',
      'SELECT * FROM duckdb_tables()',
    ]) {
      const res = await env.request('POST', '/api/v1/sql', { key: 'analyst', body: { sql } });
      expect(res.status, `${sql}: ${res.body?.detail}`).toBe(200);
    }
  });
});

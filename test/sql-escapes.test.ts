/**
 * Escape attempts through POST /api/v1/sql, table-driven: writes, files, network, settings,
 * extensions, other databases, a second statement hidden in a comment or a string, EXPLAIN
 * ANALYZE of a write, the ingest's temp files and another user's export. Each is refused with
 * the expected status and a reason naming what was refused, and after each the warehouse's
 * catalog and contents, its settings and the folders it may write are exactly as before.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import { SQL_ESCAPE_ATTEMPTS } from './support/sql-escapes.ts';
import { rowsOf, withConnection } from './support/raw-tables.ts';

const ATTEMPTS = SQL_ESCAPE_ATTEMPTS;

/** Everything a refused statement could have changed: catalog, contents, settings, files. */
async function fingerprint(env: TestEnv): Promise<unknown> {
  const catalog = await rowsOf(
    env.warehouse,
    `SELECT 'db' AS k, database_name AS name, path AS v FROM duckdb_databases()
     UNION ALL SELECT 'schema', database_name || '.' || schema_name, '' FROM duckdb_schemas()
     UNION ALL SELECT 'table', database_name || '.' || schema_name || '.' || table_name, sql FROM duckdb_tables()
     UNION ALL SELECT 'view', database_name || '.' || schema_name || '.' || view_name, sql FROM duckdb_views() WHERE NOT internal
     UNION ALL SELECT 'function', schema_name || '.' || function_name, '' FROM duckdb_functions() WHERE NOT internal
     UNION ALL SELECT 'setting', name, value FROM duckdb_settings()
       WHERE name IN ('enable_external_access', 'lock_configuration', 'allowed_directories', 'threads', 'autoload_known_extensions', 'enable_profiling')
     ORDER BY ALL`,
  );
  const contents = [];
  for (const t of catalog.filter((r) => r.k === 'table' && !String(r.name).startsWith('temp.')))
    contents.push(
      ...(await rowsOf(
        env.warehouse,
        `SELECT '${t.name}' AS t, count(*) AS n, bit_xor(hash(x)) AS h FROM ${t.name} AS x`,
      )),
    );
  const files = [env.config.exportDir, env.config.ingestTempDir].map((d) =>
    fs.readdirSync(d).sort(),
  );
  return { catalog, contents, files, escaped: fs.existsSync('/tmp/salesops-escape.csv') };
}

describeBoth('SQL escape attempts', (kind) => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await startTestEnv(kind);
    const exportFile = path.join(env.config.exportDir, 'other-user.parquet');
    fs.writeFileSync(path.join(env.config.ingestTempDir, 'secret.csv'), 'secret\nhunter2\n');
    const planted = path.join(env.config.exportDir, 'planted');
    fs.mkdirSync(planted);
    fs.writeFileSync(path.join(planted, 'schema.sql'), 'CREATE TABLE marts.hunter2 (x INT);');
    fs.writeFileSync(path.join(planted, 'load.sql'), 'DROP TABLE marts.t; SELECT hunter2 FROM;');
    await withConnection(env.warehouse, async (c) => {
      await c.run(`CREATE SCHEMA IF NOT EXISTS marts; CREATE SCHEMA IF NOT EXISTS meta;
        CREATE TABLE marts.t AS SELECT range::INTEGER AS a FROM range(5);
        CREATE TABLE meta.model_sql AS SELECT 'SELECT 1' AS sql;
        COPY (SELECT 'theirs' AS owner) TO '${exportFile}' (FORMAT parquet);`);
    });
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
      const sql = template
        .replaceAll('$TMP', env.config.ingestTempDir)
        .replaceAll('$EXPORT', env.config.exportDir);
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
      const sql = template
        .replaceAll('$TMP', env.config.ingestTempDir)
        .replaceAll('$EXPORT', env.config.exportDir);
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

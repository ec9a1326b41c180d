/**
 * The model runner against a real DuckDB file, on small fixture projects: each materialisation
 * (incremental with --full-refresh), each test kind and severity, the atomic replace and the
 * incremental rollback, skipping downstream of a failure, the `test` command, parallel builds,
 * freshness and the meta run history (including runs a killed process left behind).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { releaseFolderLock } from '../db/folder-lock.ts';
import * as meta from '../models/engine/meta.ts';
import { loadProject } from '../models/engine/project.ts';
import { runProject, type RunOptions } from '../models/engine/runner.ts';
import { openWarehouse, type Warehouse } from '../warehouse/duckdb.ts';
import { tempDir } from './support/harness.ts';
import { FIXTURE_FILES, FIXTURE_RAW, RESET_SCHEMAS } from './support/model-fixture-project.ts';
import { rowsOf, withConnection } from './support/raw-tables.ts';

let dir: string;
let root: string;
let w: Warehouse;

function write(files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
}

const sql = (q: string) => withConnection(w, (c) => c.run(q).then(() => undefined));
const build = (opts: Partial<RunOptions> = {}) =>
  runProject(w, loadProject(root), { command: 'build', vars: { tz: 'UTC' }, ...opts });

// One warehouse for the file (opening one per test costs more than the tests); every test
// starts from empty schemas and a fresh project folder.
beforeAll(async () => {
  dir = tempDir('salesops-build-');
  w = await openWarehouse(loadConfig({ SALESOPS_DATA_DIR: path.join(dir, 'data') }), 'test');
});

beforeEach(async () => {
  root = path.join(dir, `project-${Date.now()}-${Math.random().toString(36).slice(2)}`, 'models');
  await sql(RESET_SCHEMAS);
  await sql(FIXTURE_RAW);
  write(FIXTURE_FILES);
});

afterAll(() => {
  w.close();
  releaseFolderLock(path.join(dir, 'data'));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('materialisations', () => {
  it('builds views and tables in DAG order and records the run in meta', async () => {
    const run = await build();
    expect(run.status).toBe('success');
    expect(run.models.map((m) => [m.model, m.status, m.mode, m.rows])).toEqual(
      expect.arrayContaining([
        ['stg_items', 'success', 'view', null],
        ['dim_items', 'success', 'full', 3],
        ['fct_items', 'success', 'full', 3],
        ['mart_kinds', 'success', 'full', 2],
      ]),
    );
    const kinds = await rowsOf(
      w,
      `SELECT table_schema || '.' || table_name AS rel, table_type FROM information_schema.tables
       WHERE table_schema IN ('staging', 'core', 'marts') ORDER BY 1`,
    );
    expect(kinds).toEqual([
      { rel: 'core.dim_items', table_type: 'BASE TABLE' },
      { rel: 'core.fct_items', table_type: 'BASE TABLE' },
      { rel: 'marts.mart_kinds', table_type: 'BASE TABLE' },
      { rel: 'staging.stg_items', table_type: 'VIEW' },
      { rel: 'staging.stg_owners', table_type: 'VIEW' },
    ]);
    expect(await rowsOf(w, `SELECT status, models_ok FROM meta.runs`)).toEqual([
      { status: 'success', models_ok: 5 },
    ]);
    const tests = await rowsOf(
      w,
      `SELECT test_id, status, failures FROM meta.test_results WHERE model = 'dim_items' ORDER BY 1`,
    );
    expect(tests).toEqual([
      { test_id: 'dim_items.not_null(id)', status: 'pass', failures: '0' },
      { test_id: 'dim_items.not_null(name)', status: 'pass', failures: '0' },
      { test_id: 'dim_items.unique(id)', status: 'pass', failures: '0' },
    ]);
    expect(await rowsOf(w, `SELECT parent FROM meta.lineage WHERE model = 'mart_kinds'`)).toEqual([
      { parent: 'dim_items' },
    ]);
  });

  it('merges changed and new rows past the high-water mark; --full-refresh rebuilds', async () => {
    await build();
    await sql(`UPDATE raw.items SET price = 2.00, updated_at = now() WHERE id = 2;
      INSERT INTO raw.items VALUES (4, 'glue', 'part', 2, 3.00, now());
      DELETE FROM raw.items WHERE id = 1;`);
    const inc = await build({ select: ['fct_items'] });
    // 2 and 4 are newer; 3 is stamped exactly at the high-water mark and re-read (>=): harmless,
    // the merge on the key makes re-reading idempotent, while > could miss a same-instant row.
    expect(inc.models[0]).toMatchObject({ mode: 'incremental', rows: 4, rowsChanged: 3 });
    const rows = async () =>
      (
        await rowsOf(w, 'SELECT id, CAST(price AS VARCHAR) AS p FROM core.fct_items ORDER BY id')
      ).map((r) => `${r.id}:${r.p}`);
    // Incremental sees no deletes (row 1 stays) — that is what --full-refresh is for.
    expect(await rows()).toEqual(['1:1.50', '2:2.00', '3:20.00', '4:3.00']);
    const full = await build({ select: ['fct_items'], fullRefresh: true });
    expect(full.models[0]).toMatchObject({ mode: 'full', rows: 3 });
    expect(await rows()).toEqual(['2:2.00', '3:20.00', '4:3.00']);
  });

  it('re-reads the lookback window so late rows with an older stamp are not lost', async () => {
    write({
      'core/fct_items.sql': fs
        .readFileSync(path.join(root, 'core/fct_items.sql'), 'utf8')
        .replace('-- @watermark', '-- @lookback 1 hour\n-- @watermark'),
    });
    await build();
    await sql(
      `INSERT INTO raw.items VALUES (5, 'late', 'part', 1, 9.99, now() - INTERVAL 30 MINUTE)`,
    );
    const inc = await build({ select: ['fct_items'] });
    expect(inc.models[0]).toMatchObject({ mode: 'incremental', rows: 4 });
  });

  it('refuses to merge when the columns changed, naming --full-refresh', async () => {
    await build();
    write({
      'core/fct_items.sql': [
        '-- @materialized incremental',
        '-- @unique_key id',
        '-- @watermark updated_at',
        "SELECT id, price, name, updated_at FROM {{ ref('stg_items') }} AS i",
        "WHERE {{ incremental_filter('i.updated_at') }}",
      ].join('\n'),
    });
    const run = await build({ select: ['fct_items'] });
    expect(run.models[0]!.error).toMatch(
      /models\/core\/fct_items\.sql: .*columns changed.*--full-refresh/,
    );
    expect((await build({ select: ['fct_items'], fullRefresh: true })).status).toBe('success');
  });

  it('replaces a table by a view when the materialisation changes, and refuses two statements', async () => {
    await build();
    write({
      'core/dim_items.sql': "SELECT id, name, kind, owner_id, price FROM {{ ref('stg_items') }}",
    });
    expect((await build({ select: ['dim_items'] })).status).toBe('success');
    expect(
      await rowsOf(
        w,
        "SELECT table_type FROM information_schema.tables WHERE table_name = 'dim_items'",
      ),
    ).toEqual([{ table_type: 'VIEW' }]);
    write({
      'core/dim_items.sql': '-- @materialized table\nSELECT 1 AS id; DROP TABLE raw.owners',
    });
    const run = await build({ select: ['dim_items'] });
    expect(run.models[0]!.error).toMatch(/one SELECT, this file has 2 statements/);
    expect(await rowsOf(w, 'SELECT count(*) AS n FROM raw.owners')).toEqual([{ n: '2' }]);
  });
});

describe('tests and failures', () => {
  const BAD_ITEMS = `INSERT INTO raw.items VALUES
    (3, NULL, 'gadget', 9, -1.00, now()), (7, 'x', NULL, NULL, NULL, now())`;
  const ALL_KINDS = [
    '-- @materialized table',
    '-- @test unique id',
    '-- @test not_null name',
    '-- @test relationships owner_id -> stg_owners.id',
    '-- @test accepted_values kind: part, tool',
    '-- @test expression price >= 0 OR price IS NULL',
    "SELECT id, name, kind, owner_id, price FROM {{ source('raw', 'items') }}",
  ].join('\n');

  it('counts the failing rows of each test kind and keeps the old table', async () => {
    await build();
    await sql(BAD_ITEMS);
    write({
      'core/dim_items.sql': ALL_KINDS,
      'tests/no_expensive_items.sql': "SELECT * FROM {{ ref('dim_items') }} WHERE price > 10",
    });
    const run = await build();
    const dim = run.models.find((m) => m.model === 'dim_items')!;
    expect(dim.status).toBe('error');
    expect(dim.error).toMatch(/^models\/core\/dim_items\.sql: 6 test\(s\) failed/);
    expect(dim.tests.map((t) => [t.name, t.status, t.failures])).toEqual([
      ['unique(id)', 'fail', 1], // id 3 twice
      ['not_null(name)', 'fail', 1],
      ['relationships(owner_id -> stg_owners.id)', 'fail', 1], // owner 9
      ['accepted_values(kind)', 'fail', 1], // gadget; NULL kind is not checked
      ['expression(price >= 0 OR price IS NULL)', 'fail', 1],
      ['no_expensive_items', 'fail', 1], // the saw
    ]);
    // the previous build is still there, untouched, and no half-built table is left behind
    expect(await rowsOf(w, 'SELECT count(*) AS n FROM core.dim_items')).toEqual([{ n: '3' }]);
    expect(
      await rowsOf(
        w,
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_name LIKE '%__new'",
      ),
    ).toEqual([{ n: '0' }]);
    // what depends on it is skipped, not built on stale input
    const mart = run.models.find((m) => m.model === 'mart_kinds')!;
    expect(mart).toMatchObject({ status: 'skipped', error: 'skipped: upstream dim_items failed' });
    expect(run.status).toBe('error');
    const recorded = await rowsOf(
      w,
      `SELECT model, status, tests_failed FROM meta.model_runs WHERE run_id = '${run.runId}' AND model IN ('dim_items', 'mart_kinds') ORDER BY 1`,
    );
    expect(recorded).toEqual([
      { model: 'dim_items', status: 'error', tests_failed: 6 },
      { model: 'mart_kinds', status: 'skipped', tests_failed: 0 },
    ]);
  });

  it('rolls an incremental merge back when an error-severity test fails on it', async () => {
    await build();
    const live = () =>
      rowsOf(
        w,
        `SELECT id, CAST(price AS VARCHAR) AS price, CAST(updated_at AS VARCHAR) AS stamp
         FROM core.fct_items ORDER BY id`,
      );
    const before = await live();
    // A changed row and a new key that arrives twice: merged, the key is no longer unique.
    await sql(`UPDATE raw.items SET price = 7.00, updated_at = now() WHERE id = 2;
      INSERT INTO raw.items VALUES (9, 'pin', 'part', 1, 0.10, now()), (9, 'pin', 'part', 1, 0.10, now());`);
    const run = await build({ select: ['fct_items'] });
    const fct = run.models[0]!;
    expect(fct).toMatchObject({ model: 'fct_items', status: 'error', mode: 'incremental' });
    expect(fct.tests.map((t) => [t.name, t.severity, t.status, t.failures])).toEqual([
      ['unique(id)', 'error', 'fail', 1],
    ]);
    expect(fct.error).toMatch(/^models\/core\/fct_items\.sql: 1 test\(s\) failed: unique\(id\)/);
    expect(run.status).toBe('error');
    // Neither the duplicate, nor the new price of row 2, nor a leftover staging table.
    expect(await live()).toEqual(before);
    expect(before.map((r) => `${r.id}:${r.price}`)).toEqual(['1:1.50', '2:0.25', '3:20.00']);
    expect(
      await rowsOf(
        w,
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_name LIKE '%__new'",
      ),
    ).toEqual([{ n: '0' }]);
    expect(
      await rowsOf(w, `SELECT status FROM meta.model_runs WHERE run_id = '${run.runId}'`),
    ).toEqual([{ status: 'error' }]);
  });

  it('a warn-severity failure is recorded and the model still swaps in', async () => {
    await sql("INSERT INTO raw.items VALUES (8, 'anvil', 'tool', 2, 99.00, now())");
    write({
      'core/dim_items.sql':
        "-- @materialized table\n-- @warn expression price < 50\nSELECT id, kind, price FROM {{ ref('stg_items') }}",
      'tests/few_tools.sql':
        "-- @severity warn\nSELECT kind FROM {{ ref('dim_items') }} WHERE kind = 'tool'",
    });
    const run = await build();
    const dim = run.models.find((m) => m.model === 'dim_items')!;
    expect(dim.status).toBe('success');
    expect(dim.tests.map((t) => [t.name, t.status, t.failures])).toEqual([
      ['expression(price < 50)', 'warn', 1],
      ['few_tools', 'warn', 2],
    ]);
    expect(run.status).toBe('success');
    expect(await rowsOf(w, 'SELECT count(*) AS n FROM core.dim_items')).toEqual([{ n: '4' }]);
  });

  it('a SQL error names the model file and leaves yesterday’s table readable', async () => {
    await build();
    write({
      'core/dim_items.sql':
        "-- @materialized table\nSELECT id, no_such_column FROM {{ ref('stg_items') }}",
    });
    const run = await build();
    expect(run.models.find((m) => m.model === 'dim_items')!.error).toMatch(
      /^models\/core\/dim_items\.sql: .*no_such_column/,
    );
    expect(await rowsOf(w, 'SELECT count(*) AS n FROM marts.mart_kinds')).toEqual([{ n: '2' }]);
  });

  it('`test` runs the tests against the built relations, without building', async () => {
    await build();
    await sql("INSERT INTO core.dim_items VALUES (1, 'dup', 'part', 1, 1.00)");
    const run = await runProject(w, loadProject(root), { command: 'test', vars: {} });
    const dim = run.models.find((m) => m.model === 'dim_items')!;
    expect(dim).toMatchObject({ status: 'error', mode: 'test' });
    expect(dim.tests.find((t) => t.name === 'unique(id)')!.failures).toBe(1);
    expect(run.models.find((m) => m.model === 'mart_kinds')!.status).toBe('success');
  });

  it('builds independent models in parallel on separate connections', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 8; i++)
      files[`marts/wide_${i}.sql`] =
        `-- @materialized table\nSELECT range AS n FROM range(${200_000 + i})`;
    write(files);
    const run = await build({ threads: 4 });
    expect(run.status).toBe('success');
    expect(
      run.models
        .filter((m) => m.model.startsWith('wide_'))
        .map((m) => m.rows)
        .sort(),
    ).toEqual(Array.from({ length: 8 }, (_, i) => 200_000 + i));
  });

  it('overlaps independent models in time with threads > 1, one after the other with 1', async () => {
    // Heavy enough (a few hundred ms each) that overlap cannot come from timer resolution.
    write({
      'marts/busy_a.sql':
        '-- @materialized table\nSELECT sum(hash(range)) AS h FROM range(4000000)',
      'marts/busy_b.sql':
        '-- @materialized table\nSELECT sum(hash(range + 1)) AS h FROM range(4000000)',
    });
    const spans = async (threads: number) => {
      const run = await build({ select: ['busy_a', 'busy_b'], threads });
      expect(run.status).toBe('success');
      // The spans recorded in meta, as the API and dashboards would read them.
      const rows = await rowsOf(
        w,
        `SELECT model, epoch_ms(started_at) AS s, epoch_ms(finished_at) AS f
         FROM meta.model_runs WHERE run_id = '${run.runId}' ORDER BY model`,
      );
      expect(rows.map((r) => r.model)).toEqual(['busy_a', 'busy_b']);
      const [a, b] = rows.map((r) => ({ s: Number(r.s), f: Number(r.f) }));
      expect(a!.f).toBeGreaterThan(a!.s);
      expect(b!.f).toBeGreaterThan(b!.s);
      return { a: a!, b: b! };
    };
    const parallel = await spans(2);
    expect(parallel.a.s < parallel.b.f && parallel.b.s < parallel.a.f).toBe(true);
    const serial = await spans(1);
    expect(serial.a.f <= serial.b.s || serial.b.f <= serial.a.s).toBe(true);
  });

  it('marks a run a killed process left running as interrupted when the next run starts', async () => {
    // What `kill -9` during a build leaves behind: a runs row started and never finished.
    await withConnection(w, async (c) => {
      await meta.ensureMeta(c);
      await meta.startRun(c, {
        runId: 'killed-run',
        command: 'build',
        selector: '',
        fullRefresh: false,
        startedAt: new Date(Date.now() - 60_000),
      });
    });
    const run = await build({ select: ['stg_items'] });
    expect(run).toMatchObject({ status: 'success', interruptedRuns: 1 });
    expect(
      await rowsOf(
        w,
        `SELECT run_id, status, finished_at IS NULL AS unfinished FROM meta.runs ORDER BY started_at`,
      ),
    ).toEqual([
      { run_id: 'killed-run', status: 'interrupted', unfinished: true },
      { run_id: run.runId, status: 'success', unfinished: false },
    ]);
    // Only runs still 'running' are touched: a later run leaves finished ones alone.
    expect((await build({ select: ['stg_items'] })).interruptedRuns).toBe(0);
    expect(
      await rowsOf(w, `SELECT status, count(*) AS n FROM meta.runs GROUP BY ALL ORDER BY ALL`),
    ).toEqual([
      { status: 'interrupted', n: '1' },
      { status: 'success', n: '2' },
    ]);
  });

  it('checks source freshness: stale data warns, very stale is an error that still builds', async () => {
    await sql('UPDATE raw.items SET updated_at = now() - INTERVAL 90 MINUTE');
    const warned = await build({ select: ['stg_items'] });
    expect(warned.freshness).toEqual([
      expect.objectContaining({
        source: 'raw.items',
        status: 'warn',
        message: expect.stringMatching(/1\.5 h old \(warn after 1 h\)/),
      }),
    ]);
    expect(warned.status).toBe('success');
    await sql('UPDATE raw.items SET updated_at = now() - INTERVAL 3 HOUR');
    const stale = await build({ select: ['stg_items'] });
    expect(stale.freshness[0]!.status).toBe('error');
    expect(stale.models[0]!.status).toBe('success');
    expect(stale.status).toBe('error');
  });
});

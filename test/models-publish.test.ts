/**
 * A run publishes its models together or not at all, on small fixture projects in a real DuckDB
 * file: a failing mart leaves every relation of the previous build readable (the incremental
 * ledger included), a reader never sees two builds mixed, the published views read live names,
 * an AbortSignal stops a run mid-statement; plus the `source:` selector, the scheduler's
 * modelsDownstreamOfTables and the engine's errors as problem+json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toAppError } from '../api/problem.ts';
import { loadConfig } from '../config.ts';
import { releaseFolderLock } from '../db/folder-lock.ts';
import { ModelFileError } from '../models/engine/header.ts';
import { loadProject } from '../models/engine/project.ts';
import {
  RunInterruptedError,
  runProject,
  type RunOptions,
  type RunSummary,
} from '../models/engine/runner.ts';
import {
  modelsDownstreamOfTables,
  SelectionError,
  selectModels,
} from '../models/engine/selection.ts';
import { openWarehouse, type Warehouse } from '../warehouse/duckdb.ts';
import { tempDir } from './support/harness.ts';
import { rowsOf, withConnection } from './support/raw-tables.ts';

let dir: string;
let root: string;
let w: Warehouse;

const SOURCES = {
  sources: {
    raw: { tables: { items: {}, owners: {}, unread: {} } },
    other: { tables: { items: {} } },
  },
};

function write(files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
}

const sql = (q: string) => withConnection(w, (c) => c.run(q).then(() => undefined));
const build = (opts: Partial<RunOptions> = {}) =>
  runProject(w, loadProject(root), { command: 'build', vars: {}, ...opts });
const ok = (run: RunSummary) => {
  expect(run.models.filter((m) => m.status !== 'success')).toEqual([]);
  expect(run).toMatchObject({ status: 'success', published: true });
};
const staging = () =>
  rowsOf(
    w,
    `SELECT table_schema || '.' || table_name AS rel FROM information_schema.tables
     WHERE table_name LIKE '%\\_\\_new' ESCAPE '\\' OR table_name LIKE '%\\_\\_delta' ESCAPE '\\'`,
  );

// Two marts whose totals must agree: mart_total sums dim_items at once, mart_check sums it
// through slow_items, which takes a while to build. Built and swapped one by one, a reader
// between the two swaps would see the new total beside the old one.
const PROJECT = {
  'sources.json': JSON.stringify(SOURCES),
  'staging/stg_items.sql': "SELECT * FROM {{ source('raw', 'items') }}",
  'staging/stg_owners.sql': "SELECT * FROM {{ source('raw', 'owners') }}",
  'staging/stg_other_items.sql': "SELECT * FROM {{ source('other', 'items') }}",
  'core/dim_items.sql':
    "-- @materialized table\n-- @test unique id\nSELECT id, price, owner_id FROM {{ ref('stg_items') }}",
  'core/fct_items.sql': [
    '-- @materialized incremental',
    '-- @unique_key id',
    '-- @watermark updated_at',
    '-- @test unique id',
    "SELECT id, price, updated_at FROM {{ ref('stg_items') }} AS i",
    "WHERE {{ incremental_filter('i.updated_at') }}",
  ].join('\n'),
  'core/slow_items.sql': [
    '-- @materialized table',
    "SELECT id, price FROM {{ ref('dim_items') }}",
    'WHERE (SELECT sum(hash(range)) FROM range(6000000)) IS NOT NULL',
  ].join('\n'),
  'marts/mart_total.sql':
    "-- @materialized table\nSELECT sum(price) AS total, count(*) AS n FROM {{ ref('dim_items') }}",
  'marts/mart_check.sql': [
    '-- @materialized table',
    '-- @test expression total < 1000',
    "SELECT sum(price) AS total FROM {{ ref('slow_items') }}",
  ].join('\n'),
  'marts/mart_ledger.sql':
    "-- @materialized view\nSELECT sum(price) AS total FROM {{ ref('fct_items') }}",
};

beforeAll(async () => {
  dir = tempDir('salesops-publish-');
  w = await openWarehouse(loadConfig({ SALESOPS_DATA_DIR: path.join(dir, 'data') }), 'test');
});

beforeEach(async () => {
  root = path.join(dir, `project-${Date.now()}-${Math.random().toString(36).slice(2)}`, 'models');
  await sql(`DROP SCHEMA IF EXISTS raw CASCADE; DROP SCHEMA IF EXISTS other CASCADE;
    DROP SCHEMA IF EXISTS staging CASCADE; DROP SCHEMA IF EXISTS core CASCADE;
    DROP SCHEMA IF EXISTS marts CASCADE; DROP SCHEMA IF EXISTS meta CASCADE;`);
  await sql(`CREATE SCHEMA raw; CREATE SCHEMA other;
    CREATE TABLE raw.owners (id BIGINT, name VARCHAR);
    INSERT INTO raw.owners VALUES (1, 'Ann');
    CREATE TABLE raw.unread (id BIGINT);
    CREATE TABLE other.items (id BIGINT);
    CREATE TABLE raw.items (id BIGINT, price DECIMAL(14,2), owner_id BIGINT, updated_at TIMESTAMPTZ);
    INSERT INTO raw.items VALUES (1, 10.00, 1, now()), (2, 20.00, 1, now()), (3, 30.00, 1, now());`);
  write(PROJECT);
});

afterAll(() => {
  w.close();
  releaseFolderLock(path.join(dir, 'data'));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('publishing a build', () => {
  const marts = () =>
    rowsOf(
      w,
      `SELECT (SELECT CAST(total AS VARCHAR) FROM marts.mart_total) AS total,
              (SELECT CAST(total AS VARCHAR) FROM marts.mart_check) AS checked,
              (SELECT CAST(total AS VARCHAR) FROM marts.mart_ledger) AS ledger,
              (SELECT CAST(sum(price) AS VARCHAR) FROM core.dim_items) AS dim,
              (SELECT CAST(sum(price) AS VARCHAR) FROM core.fct_items) AS fct`,
    );

  it('a failing mart publishes nothing: every relation keeps the previous build', async () => {
    ok(await build());
    const before = await marts();
    expect(before).toEqual([
      { total: '60.00', checked: '60.00', ledger: '60.00', dim: '60.00', fct: '60.00' },
    ]);
    // New source data that mart_check's test refuses (total ≥ 1000); mart_total, dim_items and
    // the incremental fct_items build fine — and must not go live without it.
    await sql(`UPDATE raw.items SET price = 500.00, updated_at = now() + INTERVAL 1 SECOND
      WHERE id = 2; INSERT INTO raw.items VALUES (4, 900.00, 1, now() + INTERVAL 1 SECOND)`);
    const lines: string[] = [];
    const run = await build({ onModel: (o) => lines.push(`${o.model} ${o.status} ${o.mode}`) });
    expect(run).toMatchObject({ status: 'error', published: false });
    const check = run.models.find((m) => m.model === 'mart_check')!;
    expect(check.status).toBe('error');
    expect(check.error).toMatch(/^models\/marts\/mart_check\.sql: 1 test\(s\) failed/);
    expect(lines).toEqual(
      expect.arrayContaining([
        'mart_total success full',
        'fct_items success incremental',
        'mart_ledger success view',
      ]),
    );
    expect(await marts()).toEqual(before);
    expect(await staging()).toEqual([]);
    expect(
      await rowsOf(w, `SELECT status, published FROM meta.runs WHERE run_id = '${run.runId}'`),
    ).toEqual([{ status: 'error', published: false }]);

    // Once the data is acceptable again, the next build publishes all of it together.
    await sql('UPDATE raw.items SET price = 1.00 WHERE id = 4');
    ok(await build());
    expect(await marts()).toEqual([
      { total: '541.00', checked: '541.00', ledger: '541.00', dim: '541.00', fct: '541.00' },
    ]);
    expect(await staging()).toEqual([]);
  });

  it('published views read the live names, and a selection publishes just its models', async () => {
    ok(await build());
    const texts = await rowsOf(
      w,
      `SELECT schema_name || '.' || view_name AS v, sql FROM duckdb_views()
       WHERE NOT internal AND schema_name IN ('staging', 'marts') ORDER BY 1`,
    );
    expect(texts.map((t) => t.v)).toEqual([
      'marts.mart_ledger',
      'staging.stg_items',
      'staging.stg_other_items',
      'staging.stg_owners',
    ]);
    for (const t of texts) expect(String(t.sql)).not.toContain('__new');

    await sql('UPDATE raw.items SET price = price * 2');
    const run = await build({ select: ['dim_items', 'mart_total'] });
    ok(run);
    expect(run.models.map((m) => m.model).sort()).toEqual(['dim_items', 'mart_total']);
    // The two selected tables moved together; mart_check (not selected) keeps its build.
    expect(await marts()).toEqual([
      { total: '120.00', checked: '60.00', ledger: '60.00', dim: '120.00', fct: '60.00' },
    ]);
  });

  it('a concurrent reader never sees two builds mixed', async () => {
    ok(await build());
    const reader = await w.connect();
    const seen = new Set<string>();
    const mixed: string[] = [];
    let building = true;
    const loop = (async () => {
      while (building) {
        // One statement is one snapshot: it must see both marts of the same build.
        const [r] = (
          await reader.runAndReadAll(
            `SELECT (SELECT CAST(total AS VARCHAR) FROM marts.mart_total) AS a,
                    (SELECT CAST(total AS VARCHAR) FROM marts.mart_check) AS b`,
          )
        ).getRowObjectsJson();
        seen.add(String(r!.a));
        if (r!.a !== r!.b) mixed.push(`${r!.a} vs ${r!.b}`);
      }
    })();
    try {
      for (let i = 1; i <= 4; i++) {
        await sql(`UPDATE raw.items SET price = price + ${i}`);
        ok(await build({ select: ['dim_items+'], threads: 4 }));
      }
    } finally {
      building = false;
      await loop;
      reader.closeSync();
    }
    expect(mixed).toEqual([]);
    // The loop did read during the builds: it saw more than the first and the last totals.
    expect(seen.size).toBeGreaterThan(2);
  });
});

describe('aborting a run', () => {
  it('interrupts the running statement, publishes nothing and records the run', async () => {
    ok(await build());
    await sql('UPDATE raw.items SET price = 0.50');
    write({
      // Minutes of work if it were not interrupted; the test's timeout is the bound.
      'marts/mart_huge.sql':
        '-- @materialized table\nSELECT sum(hash(range)) AS h FROM range(100000000000)',
    });
    const controller = new AbortController();
    const reason = new Error('server shutting down');
    const finished: string[] = [];
    const run = build({
      threads: 2,
      signal: controller.signal,
      // mart_huge and stg_items start together; once stg_items is done, mart_huge is mid-CTAS.
      onModel: (o) => {
        finished.push(o.model);
        if (o.model === 'stg_items') controller.abort(reason);
      },
    });
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RunInterruptedError);
    expect(error).toMatchObject({ reason });
    const runId = (error as RunInterruptedError).runId!;
    expect(finished).toContain('mart_huge');
    expect(finished).not.toContain('mart_total'); // no model starts after the abort
    expect(
      await rowsOf(
        w,
        `SELECT model, status, error FROM meta.model_runs WHERE run_id = '${runId}' AND model = 'mart_huge'`,
      ),
    ).toEqual([
      { model: 'mart_huge', status: 'error', error: 'models/marts/mart_huge.sql: interrupted' },
    ]);
    expect(
      await rowsOf(
        w,
        `SELECT status, published, finished_at IS NOT NULL AS closed FROM meta.runs WHERE run_id = '${runId}'`,
      ),
    ).toEqual([{ status: 'interrupted', published: false, closed: true }]);
    expect(await staging()).toEqual([]);
    expect(await rowsOf(w, 'SELECT CAST(total AS VARCHAR) AS t FROM marts.mart_total')).toEqual([
      { t: '60.00' },
    ]);
    expect(
      await rowsOf(
        w,
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'mart_huge'",
      ),
    ).toEqual([{ n: '0' }]);
    // An already aborted signal starts nothing at all.
    await expect(build({ signal: AbortSignal.abort(reason) })).rejects.toMatchObject({
      name: 'RunInterruptedError',
      runId: undefined,
      reason,
    });
  });
});

describe('selecting by source table', () => {
  it('source:schema.table and source:table select the direct readers; + adds downstream', () => {
    const project = loadProject(root);
    expect(selectModels(project, ['source:raw.items'])).toEqual(['stg_items']);
    expect(selectModels(project, ['source:owners'])).toEqual(['stg_owners']);
    expect(selectModels(project, ['source:raw.items+'])).toEqual([
      'stg_items',
      'dim_items',
      'fct_items',
      'mart_ledger',
      'mart_total',
      'slow_items',
      'mart_check',
    ]);
    // Declared but read by no model: selects nothing, and that is no error.
    expect(selectModels(project, ['source:raw.unread+'])).toEqual([]);
    expect(() => selectModels(project, ['source:items'])).toThrow(
      new SelectionError(
        'selector "source:items" is ambiguous: write source:raw.items or source:other.items',
      ),
    );
    expect(() => selectModels(project, ['source:raw.nope'])).toThrow(
      /selector "source:raw.nope" matches no source table/,
    );
  });

  it('modelsDownstreamOfTables: what to rebuild after an ingest changed some tables', () => {
    const project = loadProject(root);
    expect(modelsDownstreamOfTables(project, ['owners'])).toEqual(['stg_owners']);
    expect(modelsDownstreamOfTables(project, ['raw.owners', 'other.items'])).toEqual([
      'stg_other_items',
      'stg_owners',
    ]);
    // A bare name means that table in every source schema.
    expect(modelsDownstreamOfTables(project, ['items'])).toEqual(
      selectModels(project, ['source:raw.items+', 'source:other.items+']),
    );
    expect(modelsDownstreamOfTables(project, ['unread', 'deleted_rows'])).toEqual([]);
    expect(modelsDownstreamOfTables(project, [])).toEqual([]);
  });
});

describe('engine errors as problem+json', () => {
  it('a bad selector is a 400 naming select; a model file error a 422 naming the file', () => {
    const project = loadProject(root);
    let thrown: unknown;
    try {
      selectModels(project, ['mart_nope']);
    } catch (e) {
      thrown = e;
    }
    const selection = toAppError(thrown);
    expect(selection).toMatchObject({
      status: 400,
      message: 'selector "mart_nope" matches no model',
    });
    expect(selection?.extra.errors).toEqual([
      { field: 'select', in: 'body', message: 'selector "mart_nope" matches no model' },
    ]);

    write({ 'core/dim_items.sql': "SELECT * FROM {{ ref('dim_nope') }}" });
    try {
      loadProject(root);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ModelFileError);
    expect(toAppError(thrown)).toMatchObject({
      status: 422,
      message: "models/core/dim_items.sql:1: ref('dim_nope') names no model",
      extra: { file: 'models/core/dim_items.sql', line: 1 },
    });
    expect(toAppError(new RunInterruptedError('r1', 'stop'))?.status).toBe(503);
  });
});

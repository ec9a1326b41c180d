/**
 * The model engine without a database: config headers, placeholders, project loading errors
 * (each naming its file), DAG order and cycles, selection syntax, docs. Small fixture projects
 * are written to temp folders.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listModels, modelDocs } from '../models/engine/docs.ts';
import { parseHeader } from '../models/engine/header.ts';
import { loadProject } from '../models/engine/project.ts';
import { selectModels } from '../models/engine/selection.ts';
import { scanPlaceholders } from '../models/engine/template.ts';
import { tempDir } from './support/harness.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Write `files` (path under models/ → text) and return the models root. */
function project(files: Record<string, string>): string {
  const root = path.join(tempDir('salesops-models-'), 'models');
  dirs.push(path.dirname(root));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}

const SOURCES = JSON.stringify({ sources: { raw: { tables: { items: {} } } } });

describe('config header', () => {
  it('reads settings and every test kind, and keeps line numbers for the SQL', () => {
    const { config, body } = parseHeader(
      [
        '-- A why-comment, not config.',
        '-- @materialized incremental',
        '-- @unique_key id',
        '-- @watermark updated_at',
        '-- @lookback 2 hours',
        '-- @tags a, b',
        '-- @description One row',
        '-- @description per item.',
        '-- @column id the key',
        '-- @test unique id',
        '-- @test not_null id, name',
        '-- @test relationships owner_id -> owners.id',
        "-- @test accepted_values kind: 'x', y",
        '-- @warn expression price >= 0',
        'SELECT 1',
      ].join('\n'),
      'models/a/x.sql',
    );
    expect(config).toMatchObject({
      materialized: 'incremental',
      uniqueKey: ['id'],
      watermark: 'updated_at',
      lookback: '2 hours',
      tags: ['a', 'b'],
      description: 'One row per item.',
      columns: { id: 'the key' },
    });
    expect(config.tests.map((t) => [t.name, t.severity])).toEqual([
      ['unique(id)', 'error'],
      ['not_null(id)', 'error'],
      ['not_null(name)', 'error'],
      ['relationships(owner_id -> owners.id)', 'error'],
      ['accepted_values(kind)', 'error'],
      ['expression(price >= 0)', 'warn'],
    ]);
    expect(config.tests[4]!.values).toEqual(['x', 'y']);
    expect(body.split('\n').indexOf('SELECT 1')).toBe(14);
  });

  it('names the file and line of a bad setting', () => {
    expect(() => parseHeader('-- @materialised table\nSELECT 1', 'models/a/x.sql')).toThrow(
      /models\/a\/x\.sql:1: unknown setting @materialised/,
    );
    expect(() => parseHeader('\n-- @test unique\nSELECT 1', 'models/a/x.sql')).toThrow(
      /models\/a\/x\.sql:2: a test needs/,
    );
    expect(() => parseHeader('-- @test between a\nSELECT 1', 'f.sql')).toThrow(/unknown test/);
  });

  it('parses placeholders and rejects unknown ones', () => {
    const p = scanPlaceholders(
      "SELECT * FROM {{ ref('a') }} JOIN {{source('raw', \"items\")}} ON {{ var('tz') }}",
      'f.sql',
    );
    expect(p.map((x) => [x.fn, x.args])).toEqual([
      ['ref', ['a']],
      ['source', ['raw', 'items']],
      ['var', ['tz']],
    ]);
    expect(() => scanPlaceholders('SELECT\n{{ config(x) }}', 'f.sql')).toThrow(/f\.sql:2: unknown/);
    expect(() => scanPlaceholders("{{ ref('a', 'b') }}", 'f.sql')).toThrow(/takes 1 argument/);
  });
});

describe('project', () => {
  const chain = {
    'sources.json': SOURCES,
    'staging/stg_items.sql': "-- @tags s\nSELECT * FROM {{ source('raw', 'items') }}",
    'core/dim_items.sql': "-- @materialized table\nSELECT * FROM {{ ref('stg_items') }}",
    'core/dim_other.sql': "SELECT * FROM {{ ref('stg_items') }}",
    'marts/mart_items.sql': "-- @tags m, s\nSELECT * FROM {{ ref('dim_items') }}",
  };

  it('orders models so each comes after what it reads', () => {
    const p = loadProject(project(chain));
    expect(p.dag.order).toEqual(['stg_items', 'dim_items', 'dim_other', 'mart_items']);
    expect(p.models.get('dim_items')).toMatchObject({
      schema: 'core',
      file: 'models/core/dim_items.sql',
      refs: ['stg_items'],
    });
    expect(p.models.get('stg_items')!.sources).toEqual(['raw.items']);
  });

  it('selects by name, +upstream, downstream+, tag and path', () => {
    const p = loadProject(project(chain));
    expect(selectModels(p, ['dim_items'])).toEqual(['dim_items']);
    expect(selectModels(p, ['+mart_items'])).toEqual(['stg_items', 'dim_items', 'mart_items']);
    expect(selectModels(p, ['stg_items+'])).toEqual([
      'stg_items',
      'dim_items',
      'dim_other',
      'mart_items',
    ]);
    expect(selectModels(p, ['+dim_items+'])).toEqual(['stg_items', 'dim_items', 'mart_items']);
    expect(selectModels(p, ['tag:m'])).toEqual(['mart_items']);
    expect(selectModels(p, ['tag:s'])).toEqual(['stg_items', 'mart_items']);
    expect(selectModels(p, ['path:models/core'])).toEqual(['dim_items', 'dim_other']);
    expect(selectModels(p, ['dim_other', 'tag:m'])).toEqual(['dim_other', 'mart_items']);
    expect(selectModels(p, [])).toHaveLength(4);
    expect(() => selectModels(p, ['tag:nope'])).toThrow(/"tag:nope" matches no model/);
  });

  it('reports a cycle with the files on it', () => {
    const root = project({
      'a/one.sql': "SELECT * FROM {{ ref('two') }}",
      'a/two.sql': "SELECT * FROM {{ ref('three') }}",
      'a/three.sql': "SELECT * FROM {{ ref('one') }}",
      'a/free.sql': 'SELECT 1',
    });
    expect(() => loadProject(root)).toThrow(
      /dependency cycle: one -> three -> two -> one \(models\/a\/one\.sql, models\/a\/three\.sql, models\/a\/two\.sql\)/,
    );
  });

  it('reports a model that refs itself as a cycle, not as a missing table at build time', () => {
    const root = project({
      'marts/mart_self.sql': "SELECT * FROM {{ ref('mart_self') }}",
      'marts/mart_free.sql': 'SELECT 1',
    });
    expect(() => loadProject(root)).toThrow(
      /^dependency cycle: mart_self -> mart_self \(models\/marts\/mart_self\.sql\)$/,
    );
    // Also when the self-reference sits behind another model that reads it.
    const behind = project({
      'a/base.sql': "SELECT * FROM {{ ref('base') }}",
      'a/child.sql': "SELECT * FROM {{ ref('base') }}",
    });
    expect(() => loadProject(behind)).toThrow(
      /dependency cycle: base -> base \(models\/a\/base\.sql\)/,
    );
  });

  it('does not take a test on its own model for a cycle', () => {
    const p = loadProject(
      project({
        // a relationships test from a model to itself (a parent id) and a custom test reading it
        'a/tree.sql':
          '-- @test relationships parent_id -> tree.id\nSELECT 1 AS id, NULL AS parent_id',
        'tests/tree_roots.sql': "SELECT * FROM {{ ref('tree') }} WHERE id = parent_id",
      }),
    );
    expect(p.dag.order).toEqual(['tree']);
    expect([...p.dag.parents.get('tree')!]).toEqual([]);
    expect(p.tests.map((t) => t.model)).toEqual(['tree']);
  });

  it('names the file and line of an unknown ref, source or var-less placeholder', () => {
    expect(() =>
      loadProject(project({ 'a/x.sql': "SELECT 1\nFROM {{ ref('missing') }}" })),
    ).toThrow(/models\/a\/x\.sql:2: ref\('missing'\) names no model/);
    expect(() =>
      loadProject(project({ 'a/x.sql': "SELECT * FROM {{ source('raw', 'nope') }}" })),
    ).toThrow(/models\/a\/x\.sql:1: source\('raw', 'nope'\) is not declared in sources\.json/);
    expect(() =>
      loadProject(project({ 'a/x.sql': '-- @test relationships a -> ghost.id\nSELECT 1 AS a' })),
    ).toThrow(/models\/a\/x\.sql:1: relationships\(a -> ghost\.id\) names no model ghost/);
    expect(() => loadProject(project({ 'a/x.sql': 'SELECT 1', 'b/x.sql': 'SELECT 2' }))).toThrow(
      /models\/b\/x\.sql: model x is also defined in models\/a\/x\.sql/,
    );
    expect(() =>
      loadProject(project({ 'a/x.sql': '-- @materialized incremental\nSELECT 1' })),
    ).toThrow(/needs @watermark/);
  });

  it('attaches a custom test to the last model it reads', () => {
    const p = loadProject(
      project({
        ...chain,
        'tests/items_match.sql':
          "-- @severity warn\nSELECT 1 FROM {{ ref('mart_items') }}, {{ ref('stg_items') }}",
      }),
    );
    expect(p.tests).toEqual([
      expect.objectContaining({ name: 'items_match', model: 'mart_items', severity: 'warn' }),
    ]);
  });

  it('lists and documents models from the files alone', () => {
    const p = loadProject(
      project({
        ...chain,
        'core/dim_items.sql':
          '-- @materialized table\n-- @description Items.\n-- @column id the id\n-- @test unique id\n' +
          "SELECT * FROM {{ ref('stg_items') }}",
      }),
    );
    expect(listModels(p, ['dim_items'])[0]).toMatch(/^dim_items\s+table\s+core\.dim_items/);
    const md = modelDocs(p, ['dim_items']);
    expect(md).toContain('## dim_items');
    expect(md).toContain('| id | the id |');
    expect(md).toContain('Tests: unique(id)');
    expect(md).toContain('Downstream: mart_items');
  });

  it('has a stg_ view over every operational table but the documented exceptions', () => {
    // The tables as the migrations create them (a migration's own folder holds its statements
    // by concern); docs/models.md says why these have none.
    const migrations = path.join(import.meta.dirname, '..', 'db', 'migrations');
    const tables = fs
      .readdirSync(migrations, { recursive: true, encoding: 'utf8' })
      .filter((f) => /^\d+_.*\.ts$/.test(f))
      .flatMap((f) => [
        ...fs.readFileSync(path.join(migrations, f), 'utf8').matchAll(/CREATE TABLE (\w+)/g),
      ])
      .map((m) => m[1]!);
    expect(tables).toEqual(expect.arrayContaining(['orders', 'order_rules', 'opportunity_lines']));
    const without = [
      'api_keys',
      'deleted_rows',
      'idempotency_keys',
      'job_runs',
      'user_tokens',
      'sql_saved_queries',
      'sql_history',
      'segment_runs',
      'customer_scores',
      'event_counter',
      'webhooks',
      'webhook_deliveries',
      'webhook_attempts',
      'report_snapshots',
    ];
    const p = loadProject();
    const missing = tables
      .filter((t) => !without.includes(t))
      .filter((t) => p.models.get(`stg_${t}`)?.sources.join() !== `raw.${t}`);
    expect(missing).toEqual([]);
    for (const t of without) expect(p.sources.has(`raw.${t}`)).toBe(false);
  });

  it('loads the repository project: dbt layers, every ref resolved', () => {
    const p = loadProject();
    const names = [...p.models.keys()];
    for (const prefix of ['stg_', 'int_', 'dim_', 'fct_', 'mart_'])
      expect(names.some((n) => n.startsWith(prefix))).toBe(true);
    expect(p.models.get('fct_stock_movements')!.materialized).toBe('incremental');
    expect(selectModels(p, ['+mart_sales_daily'])).toContain('stg_order_lines');
  });
});

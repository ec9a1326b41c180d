/**
 * Building one model into the warehouse. Views and tables are built under `<name>__new`, tested
 * there, then swapped in with DROP + RENAME in one transaction, so a failed build or test leaves
 * the previous relation readable. Incremental models merge their new rows and run their tests
 * inside one transaction on the live table, rolled back when a test fails.
 */
import { performance } from 'node:perf_hooks';
import type { DuckDBConnection } from '@duckdb/node-api';
import { compileModel, compileTests, type CompileOptions } from './compile.ts';
import {
  AsyncLock,
  columnsOf,
  dropRelation,
  inTransaction,
  queryRows,
  relationKind,
} from './duck.ts';
import { relationOf, type ModelNode, type Project } from './project.ts';
import { runTests, type TestOutcome } from './testing.ts';
import { quoteIdent } from './template.ts';

/** What happened to one model in one run. */
export interface ModelOutcome {
  model: string;
  status: 'success' | 'error' | 'skipped';
  /** view / full (table or incremental rebuilt) / incremental (merged) / test (tested only). */
  mode: 'view' | 'full' | 'incremental' | 'test' | 'none';
  /** Rows in the relation afterwards (null for views and when not built). */
  rows: number | null;
  /** Rows written by this build (all of them for full builds, the merged ones otherwise). */
  rowsChanged: number | null;
  durationMs: number;
  error?: string;
  tests: TestOutcome[];
}

/** Settings shared by every model of a run. */
export interface BuildContext {
  project: Project;
  vars: Readonly<Record<string, string>>;
  fullRefresh: boolean;
  runTests: boolean;
  /** Swaps are catalog writes; one at a time keeps concurrent builds from conflicting. */
  swapLock: AsyncLock;
}

const NEW = '__new';

/** Thrown inside a build when an error-severity test failed; carries the outcomes. */
class TestsFailed extends Error {
  constructor(readonly tests: TestOutcome[]) {
    const failed = tests.filter((t) => t.status === 'fail');
    super(
      `${failed.length} test(s) failed: ` +
        failed.map((t) => `${t.name}${t.message ? ` — ${t.message}` : ''}`).join('; '),
    );
  }
}

async function countRows(conn: DuckDBConnection, rel: string): Promise<number> {
  const rows = await queryRows(conn, `SELECT count(*) AS n FROM ${rel}`);
  return Number(rows[0]!.n);
}

/** DuckDB would happily run a second statement after the SELECT; a model is one query. */
async function assertOneStatement(conn: DuckDBConnection, sql: string): Promise<void> {
  const n = (await conn.extractStatements(sql)).count;
  if (n !== 1) throw new Error(`a model is one SELECT, this file has ${n} statements`);
}

async function testOrThrow(
  conn: DuckDBConnection,
  ctx: BuildContext,
  m: ModelNode,
  rel: string,
): Promise<TestOutcome[]> {
  if (!ctx.runTests) return [];
  const tests = await runTests(conn, compileTests(ctx.project, m, rel, { vars: ctx.vars }));
  if (tests.some((t) => t.status === 'fail')) throw new TestsFailed(tests);
  return tests;
}

async function swapIn(conn: DuckDBConnection, ctx: BuildContext, m: ModelNode, view: boolean) {
  await ctx.swapLock.run(() =>
    inTransaction(conn, async () => {
      await dropRelation(conn, m.schema, m.name);
      await conn.run(
        `ALTER ${view ? 'VIEW' : 'TABLE'} ${relationOf(m, NEW)} RENAME TO ${quoteIdent(m.name)}`,
      );
    }),
  );
}

/** Build into `<name>__new`, test it, swap it in. */
async function buildReplacing(
  conn: DuckDBConnection,
  ctx: BuildContext,
  m: ModelNode,
  sql: string,
  view: boolean,
): Promise<Pick<ModelOutcome, 'rows' | 'rowsChanged' | 'tests'>> {
  const staging = relationOf(m, NEW);
  await dropRelation(conn, m.schema, m.name + NEW);
  let rows: number | null = null;
  if (view) {
    await conn.run(`CREATE VIEW ${staging} AS ${sql}`);
  } else {
    const created = await queryRows(conn, `CREATE TABLE ${staging} AS ${sql}`);
    rows = Number(created[0]?.Count ?? 0);
  }
  try {
    const tests = await testOrThrow(conn, ctx, m, staging);
    await swapIn(conn, ctx, m, view);
    return { rows, rowsChanged: rows, tests };
  } catch (e) {
    await dropRelation(conn, m.schema, m.name + NEW).catch(() => {});
    throw e;
  }
}

/** Merge the rows past the high-water mark into the live table; test; commit or roll back. */
async function mergeIncremental(
  conn: DuckDBConnection,
  ctx: BuildContext,
  m: ModelNode,
): Promise<Pick<ModelOutcome, 'rows' | 'rowsChanged' | 'tests'>> {
  const live = relationOf(m);
  const staging = relationOf(m, NEW);
  const opts: CompileOptions = {
    vars: ctx.vars,
    incremental: { target: live, watermark: m.config.watermark!, lookback: m.config.lookback },
  };
  const sql = compileModel(ctx.project, m, opts);
  await assertOneStatement(conn, sql);
  await dropRelation(conn, m.schema, m.name + NEW);
  const created = await queryRows(conn, `CREATE TABLE ${staging} AS ${sql}`);
  const changed = Number(created[0]?.Count ?? 0);
  try {
    const [now, before] = [
      await columnsOf(conn, m.schema, m.name + NEW),
      await columnsOf(conn, m.schema, m.name),
    ];
    if ([...now].sort().join() !== [...before].sort().join()) {
      throw new Error(
        `the model's columns changed (${now.join(', ')} vs ${before.join(', ')}); ` +
          'rebuild it with --full-refresh',
      );
    }
    const key = m.config.uniqueKey;
    return await inTransaction(conn, async () => {
      if (key.length) {
        const on = key.map((k) => `t.${quoteIdent(k)} = s.${quoteIdent(k)}`).join(' AND ');
        await conn.run(`DELETE FROM ${live} AS t USING ${staging} AS s WHERE ${on}`);
      }
      await conn.run(`INSERT INTO ${live} BY NAME SELECT * FROM ${staging}`);
      const tests = await testOrThrow(conn, ctx, m, live);
      return { rows: await countRows(conn, live), rowsChanged: changed, tests };
    });
  } finally {
    await dropRelation(conn, m.schema, m.name + NEW).catch(() => {});
  }
}

/** Build (and, when ctx.runTests, test) one model. Never throws: failures are in the outcome. */
export async function buildModel(
  conn: DuckDBConnection,
  ctx: BuildContext,
  m: ModelNode,
): Promise<ModelOutcome> {
  const started = performance.now();
  const done = (o: Omit<ModelOutcome, 'model' | 'durationMs'>): ModelOutcome => ({
    model: m.name,
    durationMs: Math.round(performance.now() - started),
    ...o,
  });
  let mode: ModelOutcome['mode'] = m.materialized === 'view' ? 'view' : 'full';
  try {
    if (
      m.materialized === 'incremental' &&
      !ctx.fullRefresh &&
      (await relationKind(conn, m.schema, m.name)) === 'BASE TABLE' &&
      (await countRows(conn, relationOf(m))) > 0
    ) {
      mode = 'incremental';
      return done({ status: 'success', mode, ...(await mergeIncremental(conn, ctx, m)) });
    }
    const sql = compileModel(ctx.project, m, { vars: ctx.vars });
    await assertOneStatement(conn, sql);
    const built = await buildReplacing(conn, ctx, m, sql, m.materialized === 'view');
    return done({ status: 'success', mode, ...built });
  } catch (e) {
    const tests = e instanceof TestsFailed ? e.tests : [];
    const message = e instanceof Error ? e.message : String(e);
    return done({
      status: 'error',
      mode,
      rows: null,
      rowsChanged: null,
      tests,
      error: `${m.file}: ${message}`,
    });
  }
}

/** Run a model's tests against its live relation (the `test` command). */
export async function testModel(
  conn: DuckDBConnection,
  ctx: BuildContext,
  m: ModelNode,
): Promise<ModelOutcome> {
  const started = performance.now();
  const tests = await runTests(
    conn,
    compileTests(ctx.project, m, relationOf(m), { vars: ctx.vars }),
  );
  const failed = tests.filter((t) => t.status === 'fail');
  return {
    model: m.name,
    status: failed.length ? 'error' : 'success',
    mode: 'test',
    rows: null,
    rowsChanged: null,
    durationMs: Math.round(performance.now() - started),
    tests,
    error: failed.length ? `${m.file}: ${new TestsFailed(tests).message}` : undefined,
  };
}

/**
 * Building one model of a run into its staged relation, where its tests and the run's later
 * models read it: views and tables as `<name>__new` over the staged parents, incremental models
 * as a delta plus a view of the merged result. Nothing here touches a live relation; the runner
 * publishes every model of a successful run together (publish.ts), so readers never see a mix
 * of two builds.
 *
 * (Building and testing inside one transaction with CREATE OR REPLACE would save a commit per
 * model, 3–5 ms. Tried and measured on the 1 M-line demo: fct_order_lines' CTAS and tests took
 * 2.0–2.3 s on the transaction's uncommitted data against 1.6 s on a committed `__new`.)
 */
import { performance } from 'node:perf_hooks';
import type { DuckDBConnection } from '@duckdb/node-api';
import { compileModel, compileTests, type CompileOptions } from './compile.ts';
import { columnsOf, dropIfExists, queryRows, relationKind } from './duck.ts';
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
  /**
   * Wall-clock ISO times the model's work started and ended on its connection (equal for a
   * skipped model). Recorded in meta.model_runs, so overlapping builds can be seen afterwards.
   */
  startedAt: string;
  finishedAt: string;
  error?: string;
  tests: TestOutcome[];
}

/** Settings shared by every model of a run. */
export interface BuildContext {
  project: Project;
  vars: Readonly<Record<string, string>>;
  fullRefresh: boolean;
  runTests: boolean;
  /** The models this run builds: a ref() to one of them means its staged relation. */
  staged: ReadonlySet<string>;
  /** Checked between statements; the runner interrupts the running statement itself. */
  signal?: AbortSignal;
}

/** Suffix of a model's staged relation: what its build made, read by its tests and children. */
export const NEW = '__new';
/** Suffix of an incremental model's staged rows (merged into the live table on publish). */
export const DELTA = '__delta';

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

/** How a run compiles: ref() to a model it builds reads that model's staged relation. */
function stagedOptions(ctx: BuildContext): CompileOptions {
  const { project, staged } = ctx;
  return {
    vars: ctx.vars,
    relationFor: (name) =>
      staged.has(name) ? relationOf(project.models.get(name)!, NEW) : undefined,
  };
}

async function testOrThrow(
  conn: DuckDBConnection,
  ctx: BuildContext,
  m: ModelNode,
  rel: string,
): Promise<TestOutcome[]> {
  if (!ctx.runTests) return [];
  ctx.signal?.throwIfAborted();
  const tests = await runTests(conn, compileTests(ctx.project, m, rel, stagedOptions(ctx)));
  if (tests.some((t) => t.status === 'fail')) throw new TestsFailed(tests);
  return tests;
}

/** Build a view or table into `<name>__new` over the staged parents and test it there. */
async function stageReplacing(
  conn: DuckDBConnection,
  ctx: BuildContext,
  m: ModelNode,
  view: boolean,
): Promise<Pick<ModelOutcome, 'rows' | 'rowsChanged' | 'tests'>> {
  const sql = compileModel(ctx.project, m, stagedOptions(ctx));
  await assertOneStatement(conn, sql);
  const staging = relationOf(m, NEW);
  await dropIfExists(conn, m.schema, m.name + NEW); // left by a killed run
  ctx.signal?.throwIfAborted();
  let rows: number | null = null;
  if (view) {
    await conn.run(`CREATE VIEW ${staging} AS ${sql}`);
  } else {
    const created = await queryRows(conn, `CREATE TABLE ${staging} AS ${sql}`);
    rows = Number(created[0]?.Count ?? 0);
  }
  return { rows, rowsChanged: rows, tests: await testOrThrow(conn, ctx, m, staging) };
}

/**
 * Stage an incremental merge: the rows past the high-water mark go into `<name>__delta`, and
 * `<name>__new` is a view of the merged result (live rows whose key the delta does not replace,
 * plus the delta), which the tests and the children in this run read. Publishing applies the
 * delta to the live table (DELETE … USING + INSERT) inside the run's one transaction.
 *
 * Why a view and not a merged copy: a copy rewrites the whole table every build, which is what
 * incremental exists to avoid; the view costs an anti-join on each read during the run only
 * (figures in docs/benchmarks.md, "Consistent marts"). Merging into the live table before the
 * run publishes, as the engine did, would show readers a ledger from build N+1 beside marts
 * from build N.
 */
async function stageMerge(
  conn: DuckDBConnection,
  ctx: BuildContext,
  m: ModelNode,
): Promise<Pick<ModelOutcome, 'rows' | 'rowsChanged' | 'tests'>> {
  const live = relationOf(m);
  const delta = relationOf(m, DELTA);
  const staged = relationOf(m, NEW);
  const sql = compileModel(ctx.project, m, {
    ...stagedOptions(ctx),
    incremental: { target: live, watermark: m.config.watermark!, lookback: m.config.lookback },
  });
  await assertOneStatement(conn, sql);
  await dropIfExists(conn, m.schema, m.name + NEW);
  await dropIfExists(conn, m.schema, m.name + DELTA);
  ctx.signal?.throwIfAborted();
  const created = await queryRows(conn, `CREATE TABLE ${delta} AS ${sql}`);
  const changed = Number(created[0]?.Count ?? 0);
  const [now, before] = [
    await columnsOf(conn, m.schema, m.name + DELTA),
    await columnsOf(conn, m.schema, m.name),
  ];
  if ([...now].sort().join() !== [...before].sort().join()) {
    throw new Error(
      `the model's columns changed (${now.join(', ')} vs ${before.join(', ')}); ` +
        'rebuild it with --full-refresh',
    );
  }
  const key = m.config.uniqueKey;
  const kept = key.length
    ? `SELECT * FROM ${live} AS t WHERE NOT EXISTS (SELECT 1 FROM ${delta} AS s WHERE ${keyMatch(key)})`
    : `SELECT * FROM ${live}`;
  await conn.run(`CREATE VIEW ${staged} AS ${kept} UNION ALL BY NAME SELECT * FROM ${delta}`);
  const tests = await testOrThrow(conn, ctx, m, staged);
  return { rows: await countRows(conn, staged), rowsChanged: changed, tests };
}

/** `t.k = s.k AND …` over the unique key: the rows of live table t that delta s replaces. */
export function keyMatch(key: readonly string[]): string {
  return key.map((k) => `t.${quoteIdent(k)} = s.${quoteIdent(k)}`).join(' AND ');
}

/**
 * Build (and, when ctx.runTests, test) one model into its staged relation; the runner publishes
 * the run's models together. Never throws: failures are in the outcome.
 */
export async function buildModel(
  conn: DuckDBConnection,
  ctx: BuildContext,
  m: ModelNode,
): Promise<ModelOutcome> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const done = (
    o: Omit<ModelOutcome, 'model' | 'durationMs' | 'startedAt' | 'finishedAt'>,
  ): ModelOutcome => ({
    model: m.name,
    durationMs: Math.round(performance.now() - started),
    startedAt,
    finishedAt: new Date().toISOString(),
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
      return done({ status: 'success', mode, ...(await stageMerge(conn, ctx, m)) });
    }
    const built = await stageReplacing(conn, ctx, m, m.materialized === 'view');
    return done({ status: 'success', mode, ...built });
  } catch (e) {
    const tests = e instanceof TestsFailed ? e.tests : [];
    const message = ctx.signal?.aborted
      ? 'interrupted'
      : e instanceof Error
        ? e.message
        : String(e);
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
  const startedAt = new Date().toISOString();
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
    startedAt,
    finishedAt: new Date().toISOString(),
    tests,
    error: failed.length ? `${m.file}: ${new TestsFailed(tests).message}` : undefined,
  };
}

/**
 * A model's outcome as run records keep it (job_runs, GET /models/runs/{id}) and as one line of
 * `salesops models build` prints it. One formatter for both, so a build handed to the server
 * prints exactly what a local one does.
 */
import type { ModelOutcome } from './materialize.ts';

/** What a run record keeps of one model's outcome (JSON: no test rows, only counts). */
export interface ModelSummary {
  model: string;
  status: ModelOutcome['status'];
  mode: ModelOutcome['mode'];
  rows: number | null;
  rowsChanged: number | null;
  durationMs: number;
  testsPassed: number;
  testsFailed: number;
  testsWarned: number;
  /** Tests that warned, by name, with why (the line prints them). */
  warnings: { test: string; message: string }[];
  error?: string;
}

export function outcomeSummary(o: ModelOutcome): ModelSummary {
  const count = (s: string) => o.tests.filter((t) => t.status === s).length;
  return {
    model: o.model,
    status: o.status,
    mode: o.mode,
    rows: o.rows,
    rowsChanged: o.rowsChanged,
    durationMs: o.durationMs,
    testsPassed: count('pass'),
    testsFailed: count('fail'),
    testsWarned: count('warn'),
    warnings: o.tests
      .filter((t) => t.status === 'warn')
      .map((t) => ({ test: t.name, message: t.message ?? '' })),
    ...(o.error ? { error: o.error } : {}),
  };
}

/** `ok    mart_sales_lines   full   12,345 rows, 4 tests, 0.31s` and any error or warnings. */
export function summaryLine(o: ModelSummary): string {
  const label = { success: 'ok  ', error: 'FAIL', skipped: 'skip' }[o.status];
  const rows = o.rows === null ? '' : `${o.rows.toLocaleString('en')} rows`;
  const merged = o.mode === 'incremental' ? ` (+${o.rowsChanged} merged)` : '';
  const total = o.testsPassed + o.testsFailed + o.testsWarned;
  const tests = total ? `${total} tests` : '';
  const time = `${(o.durationMs / 1000).toFixed(2)}s`;
  const head = `${label}  ${o.model.padEnd(30)} ${o.mode.padEnd(11)} ${[rows + merged, tests, time].filter(Boolean).join(', ')}`;
  const notes = [
    ...(o.error ? [`        ${o.error}`] : []),
    ...o.warnings.map((w) => `        warn: ${w.test} — ${w.message}`),
  ];
  return [head, ...notes].join('\n');
}

/** The line of a model as the runner reports it. */
export function outcomeLine(o: ModelOutcome): string {
  return summaryLine(outcomeSummary(o));
}

/** The run's last line: `Done: 12 ok, 0 failed, 0 skipped, 0 test warning(s) in 3.1s (run …)`. */
export function runSummaryLine(
  ok: boolean,
  models: readonly Pick<ModelSummary, 'status' | 'testsWarned'>[],
  durationMs: number,
  runId: string,
  /** What was published (run/build), e.g. `; published 41 model(s) together in 0.32s`. */
  publishedNote = '',
): string {
  const count = (s: string) => models.filter((m) => m.status === s).length;
  const warns = models.reduce((n, m) => n + m.testsWarned, 0);
  return (
    `${ok ? 'Done' : 'Failed'}: ${count('success')} ok, ` +
    `${count('error')} failed, ${count('skipped')} skipped, ${warns} test warning(s) ` +
    `in ${(durationMs / 1000).toFixed(1)}s${publishedNote} (run ${runId})`
  );
}

/**
 * Running compiled tests: each returns its failing rows; we count them and keep a short sample
 * for the message. A test whose SQL cannot run counts as failing at its own severity, because a
 * broken check must not pass silently.
 */
import { performance } from 'node:perf_hooks';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { CompiledTest } from './compile.ts';
import { queryRows } from './duck.ts';

/** The result of one test. `fail` blocks the model (error severity); `warn` does not. */
export interface TestOutcome {
  id: string;
  model: string;
  name: string;
  kind: CompiledTest['kind'];
  severity: CompiledTest['severity'];
  status: 'pass' | 'fail' | 'warn';
  failures: number;
  durationMs: number;
  message?: string;
}

const SAMPLE_ROWS = 3;

/** Run `tests` one after another on `conn`. */
export async function runTests(
  conn: DuckDBConnection,
  tests: readonly CompiledTest[],
): Promise<TestOutcome[]> {
  const out: TestOutcome[] = [];
  for (const t of tests) {
    const started = performance.now();
    let failures = 0;
    let message: string | undefined;
    try {
      const counted = await queryRows(conn, `SELECT count(*) AS n FROM (${t.sql}) AS failing`);
      failures = Number(counted[0]!.n);
      if (failures > 0) {
        const sample = await queryRows(
          conn,
          `SELECT * FROM (${t.sql}) AS failing LIMIT ${SAMPLE_ROWS}`,
        );
        message = `${failures} failing row(s), e.g. ${JSON.stringify(sample)}`;
      }
    } catch (e) {
      failures = 1;
      message = `the test could not run: ${e instanceof Error ? e.message : String(e)}`;
    }
    const failed = failures > 0;
    out.push({
      id: t.id,
      model: t.model,
      name: t.name,
      kind: t.kind,
      severity: t.severity,
      status: !failed ? 'pass' : t.severity === 'warn' ? 'warn' : 'fail',
      failures,
      durationMs: Math.round(performance.now() - started),
      message,
    });
  }
  return out;
}

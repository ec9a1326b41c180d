/**
 * Decides once per run whether the PostgreSQL half of the shared suites runs, whether the
 * headless-Chromium tests run, and whether the psycopg one does. Without a reachable cluster the
 * embedded half still runs, without Chromium the browser tests are skipped, without Debian's
 * python3-psycopg the psycopg test is, and each skip is said plainly; with CI=true all three are
 * required and an absence fails the run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { CHROMIUM_PATH, chromiumAvailable } from './browser.ts';
import { readObservations, undocumented } from './contract.ts';
import { ADMIN_URL, postgresReachable } from './postgres.ts';
import { psycopgAvailable, PYTHON } from './psycopg.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAvailable: boolean;
    /** Whether Debian's Chromium runs here (test/support/browser.ts). */
    chromiumAvailable: boolean;
    /** Whether Debian's Python imports psycopg 3 (test/support/psycopg.ts). */
    psycopgAvailable: boolean;
    /** Where the harness records answers for the OpenAPI check (test/support/contract.ts). */
    observedDir: string;
  }
}

export default async function setup(project: TestProject) {
  const chromiumRuns = chromiumAvailable();
  const psycopgRuns = psycopgAvailable();
  const ok = await postgresReachable();
  if (!ok && process.env.CI === 'true') {
    throw new Error(`CI=true but PostgreSQL is not reachable at ${ADMIN_URL}`);
  }
  if (!ok) {
    console.warn(
      `\n!! PostgreSQL not reachable at ${ADMIN_URL}: the PostgreSQL suite is SKIPPED; only embedded PGlite runs.\n`,
    );
  }
  project.provide('pgAvailable', ok);

  const chromium = await chromiumRuns;
  if (!chromium && process.env.CI === 'true') {
    throw new Error(
      `CI=true but Chromium does not run at ${CHROMIUM_PATH} (apt-get install chromium)`,
    );
  }
  if (!chromium) {
    console.warn(
      `\n!! Chromium does not run at ${CHROMIUM_PATH} (apt-get install chromium): the browser tests (test/*browser*.test.ts) are SKIPPED.\n`,
    );
  }
  project.provide('chromiumAvailable', chromium);

  const psycopg = await psycopgRuns;
  if (!psycopg && process.env.CI === 'true') {
    throw new Error(
      `CI=true but ${PYTHON} cannot import psycopg (apt-get install python3-psycopg)`,
    );
  }
  if (!psycopg) {
    console.warn(
      `\n!! ${PYTHON} cannot import psycopg (apt-get install python3-psycopg): the psycopg test (test/sqlwire-psycopg.test.ts) is SKIPPED.\n`,
    );
  }
  project.provide('psycopgAvailable', psycopg);

  const observedDir = fs.mkdtempSync(path.join(os.tmpdir(), 'salesops-observed-'));
  project.provide('observedDir', observedDir);
  // After every worker has exited: each answer the suite saw must be in the document.
  return () => {
    const { doc, observed } = readObservations(observedDir);
    fs.rmSync(observedDir, { recursive: true, force: true });
    if (!doc) return;
    const misfits = undocumented(doc, observed);
    if (misfits.length > 0) {
      // vitest prints an error thrown here ("error during close") but still exits 0 (measured
      // with vitest 4.1), so the exit code is set as well: the run, and `npm test`, fail.
      process.exitCode = 1;
      throw new Error(
        `${misfits.length} answer(s) seen in the tests are not in the OpenAPI document ` +
          `(api/openapi.ts, RouteSpec.errors):\n  ${misfits.join('\n  ')}`,
      );
    }
  };
}

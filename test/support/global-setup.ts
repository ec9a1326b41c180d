/**
 * Decides once per run whether the PostgreSQL half of the shared suites runs. Without a reachable
 * cluster the embedded half still runs and the skip is said plainly; with CI=true PostgreSQL is
 * required and its absence fails the run.
 */
import type { TestProject } from 'vitest/node';
import { ADMIN_URL, postgresReachable } from './postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAvailable: boolean;
  }
}

export default async function setup(project: TestProject) {
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
}

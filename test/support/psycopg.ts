/**
 * Python's psycopg 3 against the wire server: Debian's package (`apt-get install
 * python3-psycopg`, as .ci/run does) under Debian's own Python — a python3 earlier in PATH
 * (pyenv, a virtualenv) would not see it. The global setup asks `psycopgAvailable()` once per
 * run; without it the test is skipped and says so, and CI=true requires it.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { WireServer } from '../../sqlwire/server.ts';
import { ROOT } from './cli-process.ts';

/** Debian's Python, which python3-psycopg installs into. */
export const PYTHON = '/usr/bin/python3';

const CLIENT = path.join(ROOT, 'test/support/psycopg-client.py');

function python(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      PYTHON,
      args,
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          stdout,
          stderr,
        }),
    ),
  );
}

/** Whether Debian's Python imports psycopg 3 here. */
export async function psycopgAvailable(): Promise<boolean> {
  const r = await python(['-c', 'import psycopg']);
  return r.code === 0;
}

/** Run test/support/psycopg-client.py against `wire` with the API key `key`: what it printed. */
export async function runPsycopgClient(
  wire: WireServer,
  key: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return python([CLIENT], {
    WIRE_HOST: wire.host,
    WIRE_PORT: String(wire.port),
    WIRE_PASSWORD: key,
  });
}

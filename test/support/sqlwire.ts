/**
 * The SQL wire door in tests: a test environment with the wire server beside its app, the real
 * `psql` binary run as a child process, and node `pg` clients.
 */
import { execFile } from 'node:child_process';
import pg from 'pg';
import { startWireServer, type WireServer } from '../../sqlwire/server.ts';
import { startTestEnv, type DbKind, type TestEnv, type TestEnvOptions } from './harness.ts';

export const PSQL = '/usr/bin/psql';

/** A test environment with the wire server on a free port of 127.0.0.1. */
export async function startWireEnv(
  kind: DbKind,
  options: TestEnvOptions = {},
): Promise<{ env: TestEnv; wire: WireServer; close(): Promise<void> }> {
  const env = await startTestEnv(kind, {
    ...options,
    env: { SALESOPS_SQL_PORT: '0', ...options.env },
  });
  const wire = (await startWireServer(env.ctx))!;
  return {
    env,
    wire,
    async close() {
      await wire.close();
      await env.close();
    },
  };
}

/** What a psql run printed and how it ended. */
export interface PsqlRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run psql against `wire` as `user` with `password`; `args` after the connection options. */
export function psql(
  wire: WireServer,
  user: string,
  password: string,
  args: string[],
): Promise<PsqlRun> {
  return new Promise((resolve) => {
    execFile(
      PSQL,
      ['-h', wire.host, '-p', String(wire.port), '-U', user, '-d', 'warehouse', '-X', ...args],
      {
        env: { PATH: process.env.PATH ?? '', PGPASSWORD: password, PGCONNECT_TIMEOUT: '10' },
        timeout: 60_000,
      },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          stdout,
          stderr,
        }),
    );
  });
}

/** A node `pg` client connected to `wire`. */
export async function pgClient(
  wire: WireServer,
  user: string,
  password: string,
): Promise<pg.Client> {
  const client = new pg.Client({
    host: wire.host,
    port: wire.port,
    user,
    password,
    database: 'warehouse',
  });
  await client.connect();
  return client;
}

/**
 * The SQL wire door in tests: a test environment with the wire server beside its app, the real
 * `psql` binary run as a child process, and node `pg` clients.
 */
import { execFile, execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
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

/** How psql connects besides the user: another address than the server's, an sslmode. */
export interface PsqlOptions {
  host?: string;
  sslmode?: 'disable' | 'prefer' | 'require';
}

/** Run psql against `wire` as `user` with `password`; `args` after the connection options. */
export function psql(
  wire: WireServer,
  user: string,
  password: string,
  args: string[],
  options: PsqlOptions = {},
): Promise<PsqlRun> {
  return new Promise((resolve) => {
    execFile(
      PSQL,
      [
        '-h',
        options.host ?? wire.host,
        '-p',
        String(wire.port),
        '-U',
        user,
        '-d',
        'warehouse',
        '-X',
        ...args,
      ],
      {
        env: {
          PATH: process.env.PATH ?? '',
          PGPASSWORD: password,
          PGCONNECT_TIMEOUT: '10',
          PGSSLMODE: options.sslmode ?? 'prefer',
        },
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

/** A self-signed certificate and its key, as PEM files in `dir` (openssl, as an admin would). */
export function selfSignedCert(dir: string): { cert: string; key: string } {
  const cert = path.join(dir, 'sql.crt');
  const key = path.join(dir, 'sql.key');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=salesops-test',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

/** This machine's first address that is not loopback, if it has one. */
export function outsideAddress(): string | undefined {
  for (const list of Object.values(os.networkInterfaces()))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
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

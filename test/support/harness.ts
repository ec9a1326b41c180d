/**
 * The shared test harness: the real Express app over HTTP on port 0, on a real operational
 * database (a fresh PostgreSQL database, or embedded PGlite in a temp folder) and a real DuckDB
 * warehouse in a temp folder. `describeBoth` runs one suite against both databases.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { describe, inject } from 'vitest';
import { loadConfig, type Config } from '../../config.ts';
import { createApp } from '../../api/app.ts';
import { createApiKey } from '../../api/auth/service.ts';
import { startBackground } from '../../jobs/start.ts';
import type { AppContext } from '../../context.ts';
import { openEmbedded } from '../../db/embedded.ts';
import { releaseFolderLock } from '../../db/folder-lock.ts';
import { migrateToLatest } from '../../db/migrate.ts';
import type { OperationalDb } from '../../db/operational.ts';
import { openPostgres } from '../../db/postgres.ts';
import type { Role } from '../../db/schema.ts';
import { openWarehouse, type Warehouse } from '../../warehouse/duckdb.ts';
import { loadDashboards } from '../../dashboards/catalog.ts';
import { loadReports } from '../../dashboards/report-catalog.ts';
import { observeAnswer } from './observe.ts';
import { createTestDatabase } from './postgres.ts';

export type DbKind = 'postgres' | 'embedded';

/** A running test environment. */
export interface TestEnv {
  kind: DbKind;
  config: Config;
  ops: OperationalDb;
  /** PostgreSQL runs: the test database's URL (for a second process on it). */
  databaseUrl?: string;
  warehouse: Warehouse;
  ctx: AppContext;
  baseUrl: string;
  /** One API key per role (admin, manager, staff, analyst, executive). */
  keys: Record<Role, string>;
  /** fetch against the app; `key` is a role name or a raw key; JSON body in, parsed JSON out. */
  request(method: string, urlPath: string, opts?: RequestOptions): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface RequestOptions {
  key?: Role | string | null;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** Temp folder removed by the caller's close(). */
export function tempDir(prefix = 'salesops-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Open a migrated operational database of `kind` (fresh each time). */
export async function openTestDb(
  kind: DbKind,
  dataDir: string,
): Promise<{ ops: OperationalDb; url?: string; dispose: () => Promise<void> }> {
  if (kind === 'postgres') {
    const tdb = await createTestDatabase();
    const ops = await openPostgres(tdb.url);
    await migrateToLatest(ops.db);
    return {
      ops,
      url: tdb.url,
      dispose: async () => {
        await ops.close();
        await tdb.drop();
      },
    };
  }
  const ops = await openEmbedded(path.join(dataDir, 'pglite'));
  await migrateToLatest(ops.db);
  return { ops, dispose: () => ops.close() };
}

export interface TestEnvOptions {
  /**
   * Run the job runtime beside the app, as `salesops start` does (jobs/start.ts), with short
   * retry waits. Its change-driven refresh follows SALESOPS_SCHEDULER and _REFRESH_SECONDS in
   * `env`; schedules never fire.
   */
  jobs?: boolean;
  /** More configuration, as environment variables. */
  env?: Record<string, string>;
  /** The sign-in rules' clock (context.ts); default the system clock. */
  clock?: () => Date;
  /** The app's logger (default: silent); a test that reads the logs passes its own. */
  logger?: Logger;
  /**
   * The folder of dashboard files the app serves, and of its reports.yaml (default: the built-in
   * dashboards/).
   */
  dashboardsDir?: string;
}

/** Start the real app on a real database of `kind`, with one key per role. */
export async function startTestEnv(kind: DbKind, options: TestEnvOptions = {}): Promise<TestEnv> {
  const dataDir = tempDir();
  const config = loadConfig({
    SALESOPS_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    PORT: '0',
    // scrypt at 2^12 instead of 2^17: the same code, a hundredth of the time per password
    // (test/sign-in-password.test.ts checks the default cost itself).
    SALESOPS_PASSWORD_COST: '12',
    ...options.env,
  });
  const { ops, url: databaseUrl, dispose } = await openTestDb(kind, dataDir);
  const warehouse = await openWarehouse(config, 'test');
  const logger = options.logger ?? pino({ level: 'silent' });
  const dashboards = await loadDashboards(options.dashboardsDir);
  const base: AppContext = {
    config,
    ops,
    warehouse,
    logger,
    clock: options.clock,
    dashboards,
    reports: loadReports(dashboards, options.dashboardsDir),
  };
  const background = options.jobs
    ? await startBackground(base, { backoffMs: [20, 20] })
    : undefined;
  const ctx = background?.ctx ?? base;
  const server = http.createServer(createApp(ctx));
  // The server must never close an idle connection first: fetch (undici) drops its own after
  // 4 s, but on a loaded machine its timer fired late and it sent a request on a socket the
  // server's 5 s timer had just closed — ECONNRESET in a test that did nothing wrong (seen in CI
  // at load 10).
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // A manager key must belong to a rep (api/auth/service.ts): the harness manager gets one of
  // its own, in no team, so it sees unowned customers and those of that rep only.
  const managerRep = await ops.db
    .insertInto('sales_reps')
    .values({ code: 'TEST-MANAGER', name: 'Test manager' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const keys = {} as Record<Role, string>;
  for (const role of ['admin', 'manager', 'staff', 'analyst', 'executive'] as const) {
    const repId = role === 'manager' ? managerRep.id : null;
    keys[role] = (await createApiKey(ops.db, { name: `test-${role}`, role, repId })).key;
  }

  const request = async (
    method: string,
    urlPath: string,
    opts: RequestOptions = {},
  ): Promise<TestResponse> => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const key = opts.key === undefined ? 'admin' : opts.key;
    if (key) headers.authorization = `Bearer ${key in keys ? keys[key as Role] : key}`;
    let body: string | undefined = opts.rawBody;
    if (opts.body !== undefined) body = JSON.stringify(opts.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    // Redirects (pages, form posts) are answers to check, not to follow.
    const res = await fetch(baseUrl + urlPath, { method, headers, body, redirect: 'manual' });
    const text = await res.text();
    await observeAnswer(method, baseUrl + urlPath, res);
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };

  return {
    kind,
    config,
    ops,
    databaseUrl,
    warehouse,
    ctx,
    baseUrl,
    keys,
    request,
    async close() {
      await background?.close();
      // Close every connection now, not after close() resolves: close() waits for each open one
      // to end, and a stream a test left open (or a keep-alive socket fetch holds, 60 s above)
      // held events-stream's teardown 55 s per database.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      warehouse.close();
      await dispose();
      releaseFolderLock(dataDir);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Run `suite` once per database: embedded PGlite always, PostgreSQL when reachable
 * (the global setup says when it is skipped, and CI requires it).
 */
export function describeBoth(name: string, suite: (kind: DbKind) => void): void {
  const kinds: DbKind[] = inject('pgAvailable') ? ['postgres', 'embedded'] : ['embedded'];
  for (const kind of kinds) describe(`${name} [${kind}]`, () => suite(kind));
}

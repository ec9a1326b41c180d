/**
 * The journeys' launcher: a salesops installation as a person has one — the real CLI (`node
 * --import tsx cli.ts …`, what bin/salesops.js runs) on a temp data folder, over embedded PGlite
 * or over a PostgreSQL database created for the run — and an HTTP client for the server it
 * starts. Nothing here reaches into the app's modules: every step goes through a process or a
 * socket, as it would for a user.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, inject } from 'vitest';
import {
  ROOT,
  spawnCli,
  whenServing,
  type Finished,
  type StartedServer,
} from '../support/cli-process.ts';
import { observeAnswer } from '../support/observe.ts';
import { createTestDatabase } from '../support/postgres.ts';

export { ROOT };
/** Small enough to load in seconds, large enough for every report to have rows. */
export const DEMO_ORDERS = 300;
/** What an API key looks like (api/auth/keys.ts). */
export const API_KEY = /^so_[0-9a-f]{8}_[\w-]{43}$/;

export type DbKind = 'embedded' | 'postgres';

/** The databases to walk: PGlite always, PostgreSQL when reachable (CI requires it). */
export function databaseKinds(): DbKind[] {
  return inject('pgAvailable') ? ['embedded', 'postgres'] : ['embedded'];
}

export type { Finished };
export type Server = StartedServer;

/** One data folder (and, on PostgreSQL, one database) with the CLI pointed at it. */
export interface Installation {
  kind: DbKind;
  dataDir: string;
  /** Set on PostgreSQL: the database created for this installation. */
  databaseUrl: string | undefined;
  /** Run `salesops …` to its end, from the repository (or `cwd`, e.g. a project copy). */
  cli(args: string[], cwd?: string): Promise<Finished>;
  /** `salesops start …`, resolved once it prints its URL. */
  start(args?: string[]): Promise<Server>;
  /**
   * A copy of the repository to work on models in: models/ is found relative to the engine's
   * own file, so a model added for a test must not land in the real models/ folder.
   */
  projectCopy(): string;
  close(): Promise<void>;
}

const COPY_SKIP = new Set(['node_modules', '.git', 'data', '.tmp', 'coverage', 'dist']);

/** Create an installation of `kind`: a temp data folder, and a fresh database on PostgreSQL. */
export async function createInstallation(kind: DbKind): Promise<Installation> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `journey-${kind}-`));
  const database = kind === 'postgres' ? await createTestDatabase('salesops_journey') : undefined;
  const live = new Set<ChildProcess>();
  let copy: string | undefined;

  const env = { SALESOPS_DATA_DIR: dataDir, ...(database ? { DATABASE_URL: database.url } : {}) };
  const run = (args: string[], cwd?: string) => spawnCli(args, { env, cwd, live });

  return {
    kind,
    dataDir,
    databaseUrl: database?.url,
    cli: (args, cwd) => run(args, cwd).finished,
    start: (args = []) => whenServing(run(['start', ...args])),
    projectCopy() {
      if (copy) return copy;
      copy = fs.mkdtempSync(path.join(os.tmpdir(), 'journey-project-'));
      for (const entry of fs.readdirSync(ROOT)) {
        if (COPY_SKIP.has(entry)) continue;
        fs.cpSync(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
      }
      fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
      return copy;
    },
    async close() {
      for (const child of live) child.kill('SIGKILL');
      await database?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (copy) fs.rmSync(copy, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for another content type. */
  body: any;
  text: string;
}

/** An HTTP client bound to one server and one API key, as a script or a person with curl. */
export interface Client {
  call(method: string, urlPath: string, body?: unknown): Promise<Answer>;
  get(urlPath: string): Promise<Answer>;
  post(urlPath: string, body?: unknown): Promise<Answer>;
  patch(urlPath: string, body: unknown): Promise<Answer>;
}

/**
 * A client for `server` using `key`; paths are under /api/v1 unless they start with /health or
 * /api/, and absolute URLs go as they are.
 */
export function client(server: Pick<Server, 'url'>, key: string | undefined): Client {
  const call = async (method: string, urlPath: string, body?: unknown): Promise<Answer> => {
    const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    // An absolute URL (the sweep's root operations: /login, /logout…) goes as it is.
    const prefix = urlPath.startsWith('/health') || urlPath.startsWith('/api/') ? '' : '/api/v1';
    const url = urlPath.startsWith('http') ? urlPath : server.url + prefix + urlPath;
    const res = await fetch(url, { method, headers, body: payload });
    const text = await res.text();
    // Held against the OpenAPI document at the end of the run, like the harness's answers.
    await observeAnswer(method, url, res);
    let parsed: unknown;
    try {
      parsed = /json/.test(res.headers.get('content-type') ?? '') ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };
  return {
    call,
    get: (p) => call('GET', p),
    post: (p, b) => call('POST', p, b),
    patch: (p, b) => call('PATCH', p, b),
  };
}

/** Exact cents of a decimal string ("12.30" → 1230n). */
export function cents(s: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) throw new Error(`not a money string: ${s}`);
  const v = BigInt(m[2]!) * 100n + BigInt((m[3] ?? '0').padEnd(2, '0'));
  return m[1] ? -v : v;
}

/** The quarter before today's, as the team report names it (`2026-Q3`). */
export function lastQuarter(today = new Date()): string {
  const q = Math.floor(today.getUTCMonth() / 3);
  return q === 0 ? `${today.getUTCFullYear() - 1}-Q4` : `${today.getUTCFullYear()}-Q${q}`;
}

/** Rows of a list answer, which must be the {items, nextCursor} envelope. */
export function items(a: { status: number; body: any; text: string }): any[] {
  expect(a.status, a.text).toBe(200);
  const shape = Object.keys(a.body ?? {}).sort();
  expect(shape, 'a list answers {items, nextCursor}').toEqual(['items', 'nextCursor']);
  expect(a.body.items).toEqual(expect.any(Array));
  return a.body.items;
}

/** A short description of an answer for assertion messages. */
export function show(a: Answer): string {
  return `${a.status} ${a.text.slice(0, 600)}`;
}

/**
 * What an admin does on a new machine: load a small demo, then start the server, which brings
 * the warehouse up to date (ingest → build) before it prints its URL. Throws with the CLI's
 * output when a step fails (the journeys assert these steps one by one; the sweep only needs
 * them done).
 */
export async function installAndStart(
  kind: DbKind,
): Promise<{ inst: Installation; server: Server }> {
  const inst = await createInstallation(kind);
  try {
    const args = ['demo', '--orders', String(DEMO_ORDERS)];
    const r = await inst.cli(args);
    if (r.code !== 0)
      throw new Error(`salesops ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
    return { inst, server: await inst.start(['--demo-orders', String(DEMO_ORDERS)]) };
  } catch (e) {
    await inst.close();
    throw e;
  }
}

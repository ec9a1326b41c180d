/**
 * The `salesops` command as a user runs it: real processes (node --import tsx cli.ts …) on temp
 * data folders with the embedded database. Covers the Foundation "done when": first start serves
 * /health and OpenAPI with the demo loaded and prints the URL and an admin key once; --no-demo
 * starts empty; a second start keeps the data; `keys create` prints the key last; commands run
 * while a server holds the folder say so in one line, and `doctor` asks the server; every
 * failure is one line. Bad configuration, doctor without a server, --version and help are in
 * test/cli-config.test.ts.
 *
 * Every process pays the CLI's import cost (~3–10 s on the shared 2-core box), so independent
 * runs go in parallel and the demo is kept small with `start --demo-orders`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertKey } from '../api/auth/repository.ts';
import { AppError } from '../api/errors.ts';
import { ConfigError } from '../config.ts';
import { openEmbedded } from '../db/embedded.ts';
import { failureLines } from '../runtime.ts';
import {
  cliOnFolders,
  whenServing,
  type Finished,
  type StartedServer,
} from './support/cli-process.ts';
import { expectOneLineFailure } from './support/cli-expect.ts';

const DEMO_ORDERS = 200;
const KEY = /^so_[0-9a-f]{8}_[\w-]{43}$/;

// Each command on its own temp folder, on the embedded database (DATABASE_URL removed unless
// given).
const { tempDir, spawnOn, runCli, cleanup } = cliOnFolders('cli-test-');

type Server = StartedServer;

/** `salesops start …`, resolved once it prints its URL (rejected if it exits first). */
function startCli(dataDir: string, args: string[] = []): Promise<Server> {
  return whenServing(spawnOn(dataDir, ['start', ...args]));
}

async function getJson(url: string, key?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  return { status: res.status, body: await res.json() };
}

/** Count every row of a paged list (customers, orders) through the API. */
async function countAll(server: Server, key: string, list: string): Promise<number> {
  let n = 0;
  let cursor: string | undefined;
  do {
    const qs = `limit=500${cursor ? `&cursor=${cursor}` : ''}`;
    const r = await getJson(`${server.url}/api/v1/${list}?${qs}`, key);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    n += r.body.items.length;
    cursor = r.body.nextCursor ?? undefined;
  } while (cursor);
  return n;
}

let folder: string; // the demo folder, started twice
let first: Server;
let emptyFolder: string;
let empty: Server;

beforeAll(async () => {
  folder = tempDir();
  emptyFolder = tempDir();
  [first, empty] = await Promise.all([
    startCli(folder, ['--demo-orders', String(DEMO_ORDERS)]),
    startCli(emptyFolder, ['--no-demo']),
  ]);
}, 240_000);

afterAll(cleanup);

describe('salesops start, first time', () => {
  it('serves /health and OpenAPI, with the demo loaded, and prints the URL and an admin key', async () => {
    expect(first.stdout).toMatch(/Demo loaded in [\d.]+s: 500 customers, 200 products, 200 orders/);
    expect(first.adminKey).toMatch(KEY);
    // The start binds every dashboard query on the marts it has just built: all of them bind.
    expect(first.stdout).not.toMatch(/answers 422/);
    const health = await getJson(`${first.url}/health`);
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
    const openapi = await getJson(`${first.url}/api/v1/openapi.json`);
    expect(openapi.status).toBe(200);
    expect(openapi.body.openapi).toBe('3.1.0');
    expect(await countAll(first, first.adminKey!, 'customers')).toBe(500);
    expect(await countAll(first, first.adminKey!, 'orders')).toBe(DEMO_ORDERS);
  });

  it('starts empty with --no-demo', async () => {
    expect(empty.stdout).not.toMatch(/demo/i);
    expect(empty.adminKey).toMatch(KEY);
    expect((await getJson(`${empty.url}/health`)).status).toBe(200);
    expect(await countAll(empty, empty.adminKey!, 'customers')).toBe(0);
    expect(await countAll(empty, empty.adminKey!, 'orders')).toBe(0);
    expect((await empty.stop()).code).toBe(0);
  });
});

describe('while a server holds the data folder', () => {
  it('keys commands hand their work to the server with an admin key; migrate names the server in one line; doctor asks the server', async () => {
    const [keys, migrate, doctor] = await Promise.all([
      runCli(folder, ['keys', 'create', '--role', 'analyst', '--name', 'x']),
      runCli(folder, ['migrate']),
      runCli(folder, ['doctor']),
    ]);
    expectOneLineFailure(
      keys,
      new RegExp(
        `held by "salesops start" \\(pid \\d+\\) serving ${first.url}; hand the command to it with an admin API key: salesops keys create --key <key> \\(or set SALESOPS_API_KEY\\)$`,
      ),
    );
    const busy = new RegExp(`in use by "salesops start" \\(pid \\d+, serving ${first.url}\\)`);
    expectOneLineFailure(migrate, busy);

    const key = first.adminKey!;
    const created = await runCli(folder, [
      'keys',
      'create',
      '--role',
      'staff',
      '--name',
      'ana',
      '--key',
      key,
    ]);
    expect(created.code, created.stderr).toBe(0);
    const staffKey = created.stdout.trimEnd().split('\n').at(-1)!;
    expect(staffKey).toMatch(KEY);
    expect(await getJson(`${first.url}/api/v1/me`, staffKey)).toMatchObject({
      status: 200,
      body: { role: 'staff', name: 'ana' },
    });
    const staffId = String((await getJson(`${first.url}/api/v1/me`, staffKey)).body.keyId);
    const managerWithoutRep = await runCli(folder, [
      'keys',
      'create',
      '--role',
      'manager',
      '--name',
      'm',
      '--key',
      key,
    ]);
    expectOneLineFailure(
      managerWithoutRep,
      /a manager key must belong to a sales rep: add --rep <id>$/,
    );
    const listed = await runCli(folder, ['keys', 'list'], { SALESOPS_API_KEY: key });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^ID +ROLE +REP +PREFIX +STATUS +LAST USED \(UTC\) +NAME\n/);
    expect(listed.stdout).toMatch(new RegExp(`^${staffId} +staff +- +\\w+ +active .* ana$`, 'm'));
    const lastAdmin = await runCli(folder, ['keys', 'revoke', '1', '--key', key]);
    expectOneLineFailure(lastAdmin, /answered 409: .*last active admin key/);
    const revoked = await runCli(folder, ['keys', 'revoke', staffId, '--key', key]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect((await getJson(`${first.url}/api/v1/me`, staffKey)).status).toBe(401);
    expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);
    expect(doctor.stdout).toContain(`owns the data folder at ${first.url}`);
    expect(doctor.stdout).toMatch(/ok {4}database, as the running server reports it/);
    expect(doctor.stdout.trimEnd().split('\n').at(-1)).toBe('all good');
  });
});

describe('after the server stops', () => {
  it('keys create prints the key last; a second start keeps the data and prints no new admin key', async () => {
    const stopped = await first.stop();
    expect(stopped.code, stopped.stderr).toBe(0);

    const created = await runCli(folder, ['keys', 'create', '--role', 'analyst', '--name', 'x']);
    expect(created.code, created.stderr).toBe(0);
    const analystKey = created.stdout.trimEnd().split('\n').at(-1)!;
    expect(analystKey).toMatch(KEY);

    const again = await startCli(folder, ['--demo-orders', String(DEMO_ORDERS)]);
    try {
      expect(again.stdout).not.toMatch(/Empty database|Demo loaded/);
      expect(again.stdout).not.toMatch(/admin API key/);
      expect(again.adminKey).toBeUndefined();
      expect(await countAll(again, first.adminKey!, 'customers')).toBe(500);
      expect(await countAll(again, first.adminKey!, 'orders')).toBe(DEMO_ORDERS);
      const me = await getJson(`${again.url}/api/v1/me`, analystKey);
      expect(me).toMatchObject({ status: 200, body: { role: 'analyst' } });
    } finally {
      expect((await again.stop()).code).toBe(0);
    }
  }, 180_000);
});

describe('every failure is one line, never a stack trace', () => {
  // The folders' servers are stopped by now. Commands on one folder run one after another (one
  // process per folder); the folders and the argument-only checks run side by side.
  let demo: Record<'revokeLast' | 'manager' | 'list', Finished>;
  let bare: Record<'unknownRep' | 'managerWithoutRep' | 'list', Finished>;
  let badId: Finished;
  let fileAsFolder: Finished;
  let fileDir: string;
  let doctorRepless: Finished;
  beforeAll(async () => {
    fileDir = path.join(tempDir(), 'not-a-folder');
    fs.writeFileSync(fileDir, '');
    const seq = async <K extends string>(dir: string, runs: [K, string[]][]) => {
      const out = {} as Record<K, Finished>;
      for (const [name, args] of runs) out[name] = await runCli(dir, args);
      return out;
    };
    [demo, bare, badId, fileAsFolder] = await Promise.all([
      seq(folder, [
        ['revokeLast', ['keys', 'revoke', '1']],
        ['manager', ['keys', 'create', '--role', 'manager', '--name', 'boss', '--rep', '1']],
        ['list', ['keys', 'list']],
      ]),
      seq(emptyFolder, [
        ['unknownRep', ['keys', 'create', '--role', 'staff', '--name', 'x', '--rep', '9999']],
        ['managerWithoutRep', ['keys', 'create', '--role', 'manager', '--name', 'boss']],
        ['list', ['keys', 'list']],
      ]),
      runCli(tempDir(), ['keys', 'revoke', 'abc']),
      runCli(fileDir, ['keys', 'list']),
    ]);
    // A manager key without a rep, as databases from before the rule may hold: doctor names it.
    const ops = await openEmbedded(path.join(emptyFolder, 'pglite'));
    try {
      await insertKey(ops.db, {
        name: 'old manager',
        role: 'manager',
        key_hash: 'not-a-real-hash',
        key_prefix: '00000000',
        rep_id: null,
      });
    } finally {
      await ops.close();
    }
    doctorRepless = await runCli(emptyFolder, ['doctor']);
  }, 180_000);

  it('keys revoke abc and keys create --rep 9999 say what is wrong in one line', () => {
    expectOneLineFailure(
      badId,
      /argument 'id'\. must be a whole number ≥ 1 \(see salesops keys revoke --help\)$/,
    );
    expectOneLineFailure(bare.unknownRep, /--rep 9999: there is no sales rep with that id$/);
  });

  it('refuses a manager key without --rep, and the last admin key, writing nothing', () => {
    expectOneLineFailure(
      bare.managerWithoutRep,
      /a manager key must belong to a sales rep: add --rep <id>$/,
    );
    expectOneLineFailure(demo.revokeLast, /API key 1 is the last active admin key/);
    expect(demo.manager.code, demo.manager.stderr).toBe(0);
    expect(demo.manager.stdout.trim()).toMatch(KEY);
  });

  it('keys list is a table with a header row, aligned', () => {
    expect(demo.list.code, demo.list.stderr).toBe(0);
    const lines = demo.list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID {2}ROLE +REP +PREFIX +STATUS +LAST USED \(UTC\) +NAME$/);
    expect(lines.slice(1).map((l) => l.split(/ {2,}/))).toEqual([
      [
        '1',
        'admin',
        '-',
        expect.stringMatching(/^[0-9a-f]{8}$/),
        'active',
        expect.any(String),
        'first admin',
      ],
      [
        '2',
        'staff',
        '-',
        expect.stringMatching(/^[0-9a-f]{8}$/),
        'revoked',
        expect.any(String),
        'ana',
      ],
      [
        '3',
        'analyst',
        '-',
        expect.stringMatching(/^[0-9a-f]{8}$/),
        'active',
        expect.any(String),
        'x',
      ],
      ['4', 'manager', '1', expect.stringMatching(/^[0-9a-f]{8}$/), 'active', '-', 'boss'],
    ]);
    // Every column starts at the header's offset on every line.
    const starts = [...lines[0]!.matchAll(/(?:^| {2})\S/g)].map((m) => m.index! + m[0].length - 1);
    expect(starts).toHaveLength(7);
    for (const line of lines) {
      for (const at of starts) {
        expect(line[at], line).toMatch(/\S/);
        if (at > 0) expect(line.slice(at - 2, at), line).toBe('  ');
      }
    }
    // Nothing written by the refused creates on the other folder: its first admin key alone.
    expect(bare.list.stdout.trimEnd().split('\n')).toHaveLength(2);
  });

  it('doctor names an active manager key that belongs to no rep', () => {
    expect(doctorRepless.code, doctorRepless.stdout + doctorRepless.stderr).toBe(1);
    expect(doctorRepless.stdout).toContain(
      "FAIL  manager API key(s) 2 belong to no sales rep and so see no team's customers: revoke them and create them again with --rep",
    );
    expect(doctorRepless.stdout.trimEnd().split('\n').at(-1)).toBe('1 problem(s) found');
  });

  it('an unexpected error is one line too, with how to see the stack', () => {
    expectOneLineFailure(
      fileAsFolder,
      /^salesops: unexpected error: .*not-a-folder.* \(a bug; LOG_LEVEL=debug prints its stack trace\)$/,
    );
  });

  it('prints the stack first only when LOG_LEVEL asks for debug detail', () => {
    const bug = new TypeError('x is undefined');
    expect(failureLines(bug, 'info')).toEqual([
      'salesops: unexpected error: x is undefined (a bug; LOG_LEVEL=debug prints its stack trace)',
    ]);
    const debug = failureLines(bug, 'debug');
    expect(debug).toHaveLength(2);
    expect(debug[0]).toMatch(/^TypeError: x is undefined\n\s+at /);
    expect(failureLines(new ConfigError('PORT: bad'), 'debug')).toEqual([
      'salesops: Invalid configuration: PORT: bad',
    ]);
    expect(failureLines(new AppError('conflict', 'no, because'), 'trace')).toEqual([
      'salesops: no, because',
    ]);
  });
});

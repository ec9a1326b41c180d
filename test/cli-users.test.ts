/**
 * `salesops users …` as an admin runs it: real processes (node --import tsx cli.ts …) on temp data
 * folders with the embedded database. The hand-off case matters most (issue 13: "a lost link must
 * not need a server stop"): beside a running `salesops start` the commands go through
 * /api/v1/users with an admin key, and the links they print work on that server. On a folder no
 * server holds they open the database themselves, and their link works once a server starts.
 *
 * Every process pays the CLI's import cost (~3–10 s on the shared 2-core box; a local run also
 * opens and migrates PGlite), so the two folders run side by side and independent commands in
 * parallel. SALESOPS_PASSWORD_COST=12 keeps scrypt cheap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cliOnFolders,
  whenServing,
  type Finished,
  type StartedServer,
} from './support/cli-process.ts';
import { expectOneLineFailure } from './support/cli-expect.ts';

const PASSWORD = 'plum orchard at dusk 42';
const PUBLIC_URL = 'https://sales.example.com';
const LINK = /^(\S+)\/set-password\?token=([\w-]{20,})$/;

const { tempDir, spawnOn, runCli, cleanup } = cliOnFolders('cli-users-test-', {
  SALESOPS_PASSWORD_COST: '12',
});

/** The link a command printed alone on its last stdout line → its base and token. */
function linkOf(f: Finished): { base: string; token: string } {
  expect(f.code, f.stderr).toBe(0);
  const last = f.stdout.trimEnd().split('\n').at(-1)!;
  const m = LINK.exec(last);
  expect(m, f.stdout).not.toBeNull();
  return { base: m![1]!, token: m![2]! };
}

async function postJson(
  url: string,
  body: unknown,
  key?: string,
): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Use a set-password link on `server`, then sign in with the password: → both answers. */
async function setPasswordAndSignIn(server: StartedServer, token: string, email: string) {
  const set = await postJson(`${server.url}/set-password`, { token, password: PASSWORD });
  const login = await postJson(`${server.url}/login`, { email, password: PASSWORD });
  return { set, login };
}

/** The data rows of a `users list` table, split on its column gaps. */
function tableRows(f: Finished): string[][] {
  expect(f.code, f.stderr).toBe(0);
  const lines = f.stdout.trimEnd().split('\n');
  expect(lines[0]).toMatch(
    /^ID {2}ROLE +REP +STATUS +PASSWORD +LAST SIGN-IN \(UTC\) +EMAIL +NAME$/,
  );
  return lines.slice(1).map((l) => l.split(/ {2,}/));
}

afterAll(cleanup);

let handoffFolder: string;
let server: StartedServer;
let key: string;
// The local runs on their own folder, made while the other folder's server starts.
let localFolder: string;
let local: Record<'create' | 'admin' | 'disableAdmin' | 'list', Finished>;

beforeAll(async () => {
  handoffFolder = tempDir();
  localFolder = tempDir();
  const localRuns = async () => {
    const out = {} as typeof local;
    const env = { SALESOPS_PUBLIC_URL: `${PUBLIC_URL}/` };
    out.create = await runCli(
      localFolder,
      ['users', 'create', '--email', 'Dora@Example.com', '--role', 'analyst', '--name', 'Dora'],
      env,
    );
    out.admin = await runCli(localFolder, [
      'users',
      'create',
      '--email',
      'boss@example.com',
      '--role',
      'admin',
    ]);
    out.disableAdmin = await runCli(localFolder, ['users', 'disable', 'BOSS@example.com']);
    out.list = await runCli(localFolder, ['users', 'list']);
    return out;
  };
  [server, local] = await Promise.all([
    whenServing(spawnOn(handoffFolder, ['start', '--no-demo'])),
    localRuns(),
  ]);
  key = server.adminKey!;
  expect(key).toBeTruthy();
}, 300_000);

describe('beside a running server: the commands hand their work to it', () => {
  it('without a key, says in one line which key to pass', async () => {
    const [create, list] = await Promise.all([
      runCli(handoffFolder, ['users', 'create', '--email', 'x@example.com', '--role', 'staff']),
      runCli(handoffFolder, ['users', 'list']),
    ]);
    const held = `held by "salesops start" \\(pid ${server.pid}\\) serving ${server.url}`;
    expectOneLineFailure(
      create,
      new RegExp(
        `${held}; hand the command to it with an admin API key: salesops users create --key <key> \\(or set SALESOPS_API_KEY\\)$`,
      ),
    );
    expectOneLineFailure(list, /salesops users list --key <key> \(or set SALESOPS_API_KEY\)$/);
  }, 60_000);

  it('create prints a link that sets a password and signs in; list shows the user with its rep code', async () => {
    const rep = await postJson(
      `${server.url}/api/v1/reps`,
      { code: 'R-ANA', name: 'Ana Rep' },
      key,
    );
    expect(rep.status, JSON.stringify(rep.body)).toBe(201);

    const created = await runCli(handoffFolder, [
      'users',
      'create',
      '--email',
      'ana@example.com',
      '--role',
      'manager',
      '--rep',
      'R-ANA',
      '--name',
      'Ana Lima',
      '--key',
      key,
    ]);
    expect(created.stderr).toMatch(
      new RegExp(`^created user #2 ana@example.com \\(manager\\) through ${server.url}; `),
    );
    const link = linkOf(created);
    // The server answers its own origin: the link opens where the command found the server.
    expect(link.base).toBe(server.url);
    const { set, login } = await setPasswordAndSignIn(server, link.token, 'ana@example.com');
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(login).toMatchObject({
      status: 200,
      body: { user: { email: 'ana@example.com', role: 'manager', repId: rep.body.id } },
    });

    const listed = await runCli(handoffFolder, ['users', 'list'], { SALESOPS_API_KEY: key });
    expect(tableRows(listed)).toEqual([
      ['1', 'admin', '-', 'active', 'no', '-', '-', 'First admin'],
      [
        '2',
        'manager',
        'R-ANA',
        'active',
        'yes',
        expect.stringMatching(/^\d{4}-/),
        'ana@example.com',
        'Ana Lima',
      ],
    ]);
  }, 120_000);

  it('refusals are one line naming the option, or the last admin', async () => {
    const [duplicate, noRep, unknownRep, badEmail, lastAdmin] = await Promise.all([
      runCli(handoffFolder, [
        'users',
        'create',
        '--email',
        'ANA@example.com',
        '--role',
        'staff',
        '--key',
        key,
      ]),
      runCli(handoffFolder, ['users', 'create', '--email', 'm@example.com', '--role', 'manager'], {
        SALESOPS_API_KEY: key,
      }),
      runCli(
        handoffFolder,
        ['users', 'create', '--email', 'm@example.com', '--role', 'staff', '--rep', 'NOPE'],
        { SALESOPS_API_KEY: key },
      ),
      runCli(handoffFolder, ['users', 'create', '--email', 'nope@x', '--role', 'staff'], {
        SALESOPS_API_KEY: key,
      }),
      runCli(handoffFolder, ['users', 'disable', '1', '--key', key]),
    ]);
    expectOneLineFailure(
      duplicate,
      /^salesops: --email ANA@example.com: a user with this email already exists$/,
    );
    expectOneLineFailure(
      noRep,
      /^salesops: a manager user must belong to a sales rep: add --rep <code>$/,
    );
    expectOneLineFailure(
      unknownRep,
      /^salesops: --rep NOPE: there is no sales rep with that code$/,
    );
    expectOneLineFailure(badEmail, /^salesops: --email nope@x: must be an email address/);
    expectOneLineFailure(
      lastAdmin,
      new RegExp(
        `^salesops: the server at ${server.url} answered 409: user 1 is the last active admin`,
      ),
    );
  }, 120_000);

  it('reset-password gives a new link and the old one stops working; disable by email ends sign-in', async () => {
    const created = await runCli(handoffFolder, [
      'users',
      'create',
      '--email',
      'bea@example.com',
      '--role',
      'staff',
      '--key',
      key,
    ]);
    const lost = linkOf(created);
    const reset = await runCli(handoffFolder, [
      'users',
      'reset-password',
      'Bea@Example.com',
      '--key',
      key,
    ]);
    expect(reset.stderr).toMatch(/^a new set-password link for user \d+ \(Bea@Example.com\): /);
    const fresh = linkOf(reset);
    expect(fresh.token).not.toBe(lost.token);

    const old = await setPasswordAndSignIn(server, lost.token, 'bea@example.com');
    expect(old.set).toMatchObject({
      status: 422,
      body: { errors: [expect.objectContaining({ field: 'token' })] },
    });
    expect(old.login.status).toBe(401);
    const now = await setPasswordAndSignIn(server, fresh.token, 'bea@example.com');
    expect(now.set.status, JSON.stringify(now.set.body)).toBe(200);
    expect(now.login.status, JSON.stringify(now.login.body)).toBe(200);

    const disabled = await runCli(handoffFolder, ['users', 'disable', 'bea@example.com'], {
      SALESOPS_API_KEY: key,
    });
    expect(disabled.code, disabled.stderr).toBe(0);
    expect(disabled.stdout).toMatch(/^user \d+ \(bea@example.com\) is disabled: /);
    const refused = await postJson(`${server.url}/login`, {
      email: 'bea@example.com',
      password: PASSWORD,
    });
    expect(refused.status).toBe(401);
  }, 120_000);
});

describe('on a folder no server holds: the commands open the database', () => {
  it('create prints a link on SALESOPS_PUBLIC_URL; list shows the user; the last admin stays', () => {
    expect(local.create.stderr).toMatch(/^created user #1 Dora@Example.com \(analyst\); /);
    expect(linkOf(local.create).base).toBe(PUBLIC_URL);
    expect(local.admin.code, local.admin.stderr).toBe(0);
    expectOneLineFailure(
      local.disableAdmin,
      /^salesops: user 2 is the last active admin; disabling it would lock every admin out/,
    );
    expect(tableRows(local.list)).toEqual([
      ['1', 'analyst', '-', 'active', 'no', '-', 'Dora@Example.com', 'Dora'],
      ['2', 'admin', '-', 'active', 'no', '-', 'boss@example.com'],
    ]);
  });

  it('the link works once a server runs on the folder', async () => {
    const later = await whenServing(spawnOn(localFolder, ['start', '--no-demo']));
    try {
      const { set, login } = await setPasswordAndSignIn(
        later,
        linkOf(local.create).token,
        'dora@example.com',
      );
      expect(set.status, JSON.stringify(set.body)).toBe(200);
      expect(login).toMatchObject({ status: 200, body: { user: { role: 'analyst' } } });
    } finally {
      expect((await later.stop()).code).toBe(0);
    }
  }, 180_000);
});

/**
 * The CLI's lazy-import rule (cli.ts): `salesops --help`, `--version` and a group's `--help` load
 * commander and the register modules only, never a database driver, the web framework or zod:
 * those cost ~1 s of a 1.2 s start before the rule (bench/cli-start.ts measures it; no timings
 * here). The real bin/salesops.js runs under test/support/module-recorder.mjs, which writes every
 * module URL the process loads; `doctor`, which needs DuckDB and kysely, shows that the recorder
 * sees them when they do load, so the "not loaded" checks can fail.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, spawnCli, type Finished } from './support/cli-process.ts';

/** Packages a help or version must not load: each costs tens to hundreds of ms to import. */
const HEAVY = ['@duckdb/node-api', '@electric-sql/pglite', 'express', 'kysely', 'pg', 'zod'];

const RECORDER = path.join(ROOT, 'test/support/module-recorder.mjs');
const live = new Set<ChildProcess>();
let dir: string;

/** Run `salesops args…` through bin/salesops.js; what it printed and the packages it loaded. */
async function recorded(args: string[]): Promise<Finished & { packages: Set<string> }> {
  const file = path.join(dir, `${args.join('_').replace(/\W/g, '')}.txt`);
  const run = spawnCli(args, {
    env: { SALESOPS_DATA_DIR: path.join(dir, 'data'), MODULE_RECORD_FILE: file },
    live,
    launch: ['--import', RECORDER, 'bin/salesops.js'],
  });
  const finished = await run.finished;
  const urls = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  expect(urls, 'the recorder saw the CLI itself').toContain(
    pathToFileURL(path.join(ROOT, 'cli.ts')).href,
  );
  const packages = new Set(
    urls.flatMap((u) => {
      const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u);
      return m ? [m[1]!] : [];
    }),
  );
  return { ...finished, packages };
}

describe('salesops --help loads only what it needs', () => {
  let help: Awaited<ReturnType<typeof recorded>>;
  let version: Awaited<ReturnType<typeof recorded>>;
  let modelsHelp: Awaited<ReturnType<typeof recorded>>;
  let doctor: Awaited<ReturnType<typeof recorded>>;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-start-'));
    [help, version, modelsHelp, doctor] = await Promise.all([
      recorded(['--help']),
      recorded(['--version']),
      recorded(['models', '--help']),
      recorded(['doctor']),
    ]);
  }, 120_000);
  afterAll(() => {
    for (const c of live) c.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('--help lists the commands and loads none of the heavy packages', () => {
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^ {2}models /m);
    expect(help.stdout).toMatch(/^ {2}keys /m);
    expect(help.packages).toContain('commander');
    for (const p of HEAVY) expect(help.packages, p).not.toContain(p);
  });

  it('--version prints the version of package.json and loads none of them', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(version).toMatchObject({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    for (const p of HEAVY) expect(version.packages, p).not.toContain(p);
  });

  it('models --help loads neither DuckDB nor the engine', () => {
    expect(modelsHelp.code, modelsHelp.stderr).toBe(0);
    expect(modelsHelp.stdout).toMatch(/^ {2}build /m);
    for (const p of HEAVY) expect(modelsHelp.packages, p).not.toContain(p);
  });

  it('the recorder sees a heavy package when a command loads one (doctor: DuckDB, kysely)', () => {
    expect(doctor.code, doctor.stderr).toBe(0);
    expect(doctor.packages).toContain('@duckdb/node-api');
    expect(doctor.packages).toContain('kysely');
  });
});

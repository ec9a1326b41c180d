/**
 * The commands that need no running server, as a user runs them (real processes on temp data
 * folders, as in test/cli.test.ts): a bad configuration is one stderr line and exit 1 (the same
 * parser in-process for each bad value), `doctor` says what is wrong one check a line and only
 * looks at a new folder, `--version` and `start --help`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.ts';
import { ROOT, cliOnFolders, type Finished } from './support/cli-process.ts';
import { expectOneLineFailure } from './support/cli-expect.ts';

const { tempDir, runCli, cleanup } = cliOnFolders('cli-config-test-');

let badPort: Finished;
let badDatabase: Finished;
let doctorNoDatabase: Finished;

// Every process pays the CLI's import cost (seconds): the three run side by side.
beforeAll(async () => {
  const scratch = tempDir();
  [badPort, badDatabase, doctorNoDatabase] = await Promise.all([
    runCli(scratch, ['start'], { PORT: 'abc' }),
    runCli(scratch, ['start'], { DATABASE_URL: 'postgres://127.0.0.1:1/x' }),
    runCli(scratch, ['doctor'], { DATABASE_URL: 'postgres://127.0.0.1:1/x' }),
  ]);
}, 240_000);

afterAll(cleanup);

describe('bad configuration', () => {
  it('a bad PORT is one line on stderr and exit 1', () => {
    expectOneLineFailure(
      badPort,
      /Invalid configuration: PORT: must be a whole number \(got "abc"\)/,
    );
  });

  // The same parser in-process (one CLI process costs seconds of imports): each bad value is a
  // ConfigError whose message names the variable and the value; the CLI prints it as above.
  it.each([
    [{ PORT: '99999' }, 'PORT: must be between 0 and 65535 (got "99999")'],
    [{ PORT: '-1' }, 'PORT: must be between 0 and 65535 (got "-1")'],
    [{ PORT: '80.5' }, 'PORT: must be a whole number (got "80.5")'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL: must be a postgres:// or postgresql:// URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL:'],
    [{ SALESOPS_WAREHOUSE_MEMORY: 'lots' }, 'SALESOPS_WAREHOUSE_MEMORY: must be a size such as'],
    [{ SALESOPS_PG_PREPARED: 'yes' }, 'SALESOPS_PG_PREPARED: must be true or false'],
    [{ SALESOPS_TIMEZONE: 'Mars/Olympus' }, 'SALESOPS_TIMEZONE: must be an IANA time zone name'],
    [{ SALESOPS_TIMEZONE: '+01:00' }, '(not an offset like +01:00) (got "+01:00")'],
    [
      { SALESOPS_SEGMENT_TREE_DEPTH: '0' },
      'SALESOPS_SEGMENT_TREE_DEPTH: must be a whole number from 1 to 12 (got "0")',
    ],
    [
      { SALESOPS_SEGMENT_MIN_SAMPLES: 'many' },
      'SALESOPS_SEGMENT_MIN_SAMPLES: must be a whole number from 2 to 1,000 (got "many")',
    ],
  ])('rejects %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('takes an empty value as unset', () => {
    expect(loadConfig({ PORT: '', SALESOPS_DATA_DIR: ' ' })).toMatchObject({
      port: 3000,
      warehouseMemory: '512MB',
      pgPrepared: true,
    });
    expect(loadConfig({ SALESOPS_PG_PREPARED: 'false' }).pgPrepared).toBe(false);
    expect(loadConfig({ SALESOPS_WAREHOUSE_MEMORY: '2GB' }).warehouseMemory).toBe('2GB');
    expect(loadConfig({}).segmentTree).toEqual({ maxDepth: 4, minNumSamples: 20 });
    expect(
      loadConfig({ SALESOPS_SEGMENT_TREE_DEPTH: '6', SALESOPS_SEGMENT_MIN_SAMPLES: '40' })
        .segmentTree,
    ).toEqual({ maxDepth: 6, minNumSamples: 40 });
    for (const tz of ['UTC', 'Europe/Berlin', 'US/Eastern', 'Etc/GMT+5']) {
      expect(loadConfig({ SALESOPS_TIMEZONE: tz }).timezone).toBe(tz);
    }
  });

  it('an unreachable DATABASE_URL is one line on stderr and exit 1', () => {
    expectOneLineFailure(
      badDatabase,
      /Cannot reach DATABASE_URL \(PostgreSQL 127\.0\.0\.1:1\/x\): connection refused/,
    );
  });
});

describe('salesops doctor', () => {
  it('says what is wrong in plain words, one check a line, and exits 1', () => {
    expect(doctorNoDatabase.code).toBe(1);
    expect(doctorNoDatabase.stderr).toBe('');
    expect(doctorNoDatabase.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^ok {4}configuration \(data folder .+, port 0\)$/),
      'FAIL  database: Cannot reach DATABASE_URL (PostgreSQL 127.0.0.1:1/x): connection refused (is the server running?)',
      expect.stringMatching(/^note  no warehouse yet in .+; `salesops start` creates it$/),
      '1 problem(s) found',
    ]);
  });
});

describe('--version, help, and doctor on a new folder', () => {
  let version: Finished;
  let help: Finished;
  let doctorNew: Finished;
  let doctorBadZone: Finished;
  let newFolder: string;
  beforeAll(async () => {
    newFolder = path.join(tempDir(), 'not-yet');
    [version, help, doctorNew, doctorBadZone] = await Promise.all([
      runCli(tempDir(), ['--version']),
      runCli(tempDir(), ['start', '--help']),
      runCli(newFolder, ['doctor']),
      runCli(tempDir(), ['doctor'], { SALESOPS_TIMEZONE: 'Mars/Olympus' }),
    ]);
  }, 120_000);

  it('--version prints the version of package.json', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(version).toMatchObject({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('start --help says what start does now, and nothing about a scheduler or dashboards', () => {
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/serve the HTTP API/);
    expect(help.stdout).toMatch(/--no-demo/);
    expect(help.stdout).not.toMatch(/scheduler|dashboard/i);
  });

  it('doctor on a new folder only looks: it says there is no database yet and creates nothing', () => {
    expect(doctorNew.code, doctorNew.stderr).toBe(0);
    expect(doctorNew.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^ok {4}configuration/),
      `note  no database yet in ${newFolder}; \`salesops start\` creates it`,
      `note  no warehouse yet in ${newFolder}; \`salesops start\` creates it`,
      'no problems found',
    ]);
    expect(fs.existsSync(newFolder)).toBe(false);
  });

  it('doctor names a bad SALESOPS_TIMEZONE in its configuration check', () => {
    expect(doctorBadZone.code).toBe(1);
    expect(doctorBadZone.stdout.trimEnd().split('\n')).toEqual([
      'FAIL  Invalid configuration: SALESOPS_TIMEZONE: must be an IANA time zone name such as UTC or Europe/Berlin (not an offset like +01:00) (got "Mars/Olympus")',
    ]);
  });
});

/**
 * The real `salesops` command as a child process (`node --import tsx cli.ts …`, what
 * bin/salesops.js runs), for the CLI tests and the journeys: one spawner and one "wait until
 * start serves" so both read the CLI's output the same way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, where cli.ts lives. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** What a finished command printed, and its exit code. */
export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A running command: the process, what it printed so far, and its end. */
export interface CliRun {
  child: ChildProcess;
  out: { stdout: string; stderr: string };
  finished: Promise<Finished>;
}

/** A `salesops start` that serves. */
export interface StartedServer {
  url: string;
  pid: number;
  /** The first-start admin key, when this start printed one. */
  adminKey: string | undefined;
  stdout: string;
  /** SIGTERM, then what the process printed and its exit code. */
  stop(): Promise<Finished>;
}

/**
 * Spawn `salesops args…` with `env` over the parent's environment, less DATABASE_URL (the
 * embedded database unless `env` names one). `live` tracks running children for clean-up.
 * `launch` is what precedes `args` on Node's command line (default `--import tsx cli.ts`; the
 * start-cost test runs bin/salesops.js under a preload).
 */
export function spawnCli(
  args: string[],
  opts: {
    env: Record<string, string>;
    cwd?: string;
    live: Set<ChildProcess>;
    launch?: string[];
  },
): CliRun {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const launch = opts.launch ?? ['--import', 'tsx', 'cli.ts'];
  const child = spawn(process.execPath, [...launch, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...inherited, PORT: '0', LOG_LEVEL: 'silent', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  opts.live.add(child);
  const out = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out.stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (out.stderr += s));
  const finished = new Promise<Finished>((resolve) =>
    child.on('close', (code) => {
      opts.live.delete(child);
      resolve({ code, ...out });
    }),
  );
  return { child, out, finished };
}

/** Resolves once `run` (a `salesops start`) prints its URL; rejects if it exits first. */
export function whenServing(run: CliRun): Promise<StartedServer> {
  return new Promise((resolve, reject) => {
    const ready = () => {
      const m = /salesops is running at (http:\/\/\S+)/.exec(run.out.stdout);
      if (!m || !run.out.stdout.includes('health:')) return;
      run.child.stdout!.off('data', ready);
      // server.ts prints the key (first start only) before the URL lines: it is here already.
      const lines = run.out.stdout.split('\n');
      const note = lines.findIndex((l) => l.includes('admin API key was created'));
      resolve({
        url: m[1]!,
        pid: run.child.pid!,
        adminKey: note >= 0 ? lines[note + 1]?.trim() : undefined,
        stdout: run.out.stdout,
        stop: () => {
          run.child.kill('SIGTERM');
          return run.finished;
        },
      });
    };
    run.child.stdout!.on('data', ready);
    void run.finished.then((f) =>
      reject(new Error(`start exited (${f.code}) before serving:\n${f.stdout}\n${f.stderr}`)),
    );
  });
}

/**
 * CLI runs on temp data folders, for a test file: `tempDir()` makes a folder, `spawnOn` /
 * `runCli` run `salesops …` on one (with `baseEnv` under each call's env), `cleanup()` (afterAll)
 * kills what still runs and removes the folders.
 */
export function cliOnFolders(prefix: string, baseEnv: Record<string, string> = {}) {
  const dirs: string[] = [];
  const live = new Set<ChildProcess>();
  const spawnOn = (dataDir: string, args: string[], env: Record<string, string> = {}) =>
    spawnCli(args, { env: { SALESOPS_DATA_DIR: dataDir, ...baseEnv, ...env }, live });
  return {
    live,
    tempDir(): string {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
    spawnOn,
    /** Run a CLI command to its end. */
    runCli: (dataDir: string, args: string[], env?: Record<string, string>): Promise<Finished> =>
      spawnOn(dataDir, args, env).finished,
    cleanup(): void {
      for (const child of live) child.kill('SIGKILL');
      for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Starting ingest-child.ts in a separate Node process and watching it: how it ended, and when it
 * holds its locks. Plus a wait for PostgreSQL to notice that a killed process's session is gone.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OperationalDb } from '../../db/operational.ts';
import type { ChildRequest } from './ingest-child.ts';

const CHILD = fileURLToPath(new URL('./ingest-child.ts', import.meta.url));
const REPO = path.resolve(path.dirname(CHILD), '../..');

/** How a child ended. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running child. */
export interface IngestChild {
  /** Resolves when the process has ended, however. */
  exited: Promise<ChildExit>;
  /** Resolves when the child reports it holds at `holdAt`; rejects if it ends first. */
  held(): Promise<void>;
  kill(): void;
}

/** Start a run in a new process (node --import tsx, which is quicker to start than npx). */
export function spawnIngestChild(request: ChildRequest): IngestChild {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(request)], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let onHeld!: () => void;
  const held = new Promise<void>((resolve) => (onHeld = resolve));
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (stdout.includes('held\n')) onHeld();
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<ChildExit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    exited,
    held: () =>
      Promise.race([
        held,
        exited.then((e) => {
          throw new Error(`the child ended before holding (${e.code ?? e.signal}): ${e.stderr}`);
        }),
      ]),
    kill: () => child.kill('SIGKILL'),
  };
}

/**
 * Wait until no session holds an advisory lock in this database: a killed process's backend
 * ends (and its ingest lock goes) as soon as PostgreSQL reads the closed socket, a few ms later.
 */
export async function waitForAdvisoryUnlock(ops: OperationalDb, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await ops.pool.query<{ n: number }>(`
      SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
      WHERE l.locktype = 'advisory' AND d.datname = current_database()`);
    if (r.rows[0]!.n === 0) return;
    if (Date.now() > until) throw new Error('the advisory lock of a killed run was not released');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

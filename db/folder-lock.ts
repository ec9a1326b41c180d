/**
 * One process per data folder: PGlite and DuckDB files cannot be shared between processes.
 * The owner writes `salesops.lock` (pid, what it runs, its URL). A second process gets a
 * FolderBusyError whose message tells the user what to do instead of a database lock trace.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface LockInfo {
  pid: number;
  command: string;
  url?: string;
  startedAt: string;
}

/** Raised when another live process owns the data folder. */
export class FolderBusyError extends Error {
  override name = 'FolderBusyError';
  constructor(
    readonly dataDir: string,
    readonly owner: LockInfo,
  ) {
    super(
      `The data folder ${dataDir} is in use by "salesops ${owner.command}" (pid ${owner.pid}` +
        (owner.url ? `, serving ${owner.url}` : '') +
        '). PGlite and DuckDB allow one process per folder: stop it first, or use its HTTP API' +
        (owner.url ? ` at ${owner.url}` : '') +
        '.',
    );
  }
}

const held = new Map<string, LockInfo>();

function lockPath(dataDir: string): string {
  return path.join(dataDir, 'salesops.lock');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Who holds the folder, if a live process does. */
export function readFolderLock(dataDir: string): LockInfo | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(lockPath(dataDir), 'utf8')) as LockInfo;
    return isAlive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

/** Take the folder for this process (re-entrant within one process); stale locks are replaced. */
export function acquireFolderLock(dataDir: string, command: string): void {
  if (held.has(dataDir)) return;
  fs.mkdirSync(dataDir, { recursive: true });
  const info: LockInfo = { pid: process.pid, command, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath(dataDir), JSON.stringify(info), { flag: 'wx' });
      held.set(dataDir, info);
      process.once('exit', () => releaseFolderLock(dataDir));
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = readFolderLock(dataDir);
      if (owner && owner.pid !== process.pid) throw new FolderBusyError(dataDir, owner);
      fs.rmSync(lockPath(dataDir), { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`could not take the lock on ${dataDir}`);
}

/** Record the URL the owner serves, so a second process can point the user at it. */
export function advertiseFolderUrl(dataDir: string, url: string): void {
  const info = held.get(dataDir);
  if (!info) return;
  info.url = url;
  fs.writeFileSync(lockPath(dataDir), JSON.stringify(info));
}

export function releaseFolderLock(dataDir: string): void {
  if (!held.delete(dataDir)) return;
  try {
    const info = JSON.parse(fs.readFileSync(lockPath(dataDir), 'utf8')) as LockInfo;
    if (info.pid === process.pid) fs.rmSync(lockPath(dataDir), { force: true });
  } catch {
    /* already gone */
  }
}

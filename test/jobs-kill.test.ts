/**
 * A server killed with -9 in the middle of its first refresh (the build running): the next start
 * marks that run interrupted, repeats the work safely, and serves reports with data at once.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmbedded } from '../db/embedded.ts';
import { spawnCli, whenServing } from './support/cli-process.ts';
import { tempDir } from './support/harness.ts';

const live = new Set<ChildProcess>();
const dirs: string[] = [];

afterAll(() => {
  for (const c of live) c.kill('SIGKILL');
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function untilPrinted(out: { stdout: string }, text: string, child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (out.stdout.includes(text)) {
        child.stdout!.off('data', check);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('close', () =>
      reject(new Error(`exited before printing "${text}":\n${out.stdout}`)),
    );
    check();
  });
}

describe('a server killed during a refresh', () => {
  it('marks the run interrupted at the next start, which refreshes and serves reports', async () => {
    const dataDir = tempDir('salesops-kill-');
    dirs.push(dataDir);
    const env = { SALESOPS_DATA_DIR: dataDir };

    const first = spawnCli(['start', '--demo-orders', '300'], { env, live });
    await untilPrinted(first.out, 'build: ', first.child);
    first.child.kill('SIGKILL');
    await first.finished;
    // The folder lock of a dead process is taken over by the next start (db/folder-lock.ts).

    const second = await whenServing(spawnCli(['start'], { env, live }));
    expect(second.stdout).toMatch(/Warehouse up to date in [\d.]+s, \d+ models built/);
    const key = /so_[\w-]+/.exec(first.out.stdout)![0];
    const res = await fetch(`${second.url}/api/v1/reports/sales?groupBy=month`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { rows: unknown[] }).rows.length).toBeGreaterThan(0);
    const stopped = await second.stop();
    expect(stopped.code).toBe(0);

    const ops = await openEmbedded(path.join(dataDir, 'pglite'));
    try {
      const runs = await ops.db
        .selectFrom('job_runs')
        .select(['job', 'trigger', 'status', 'error'])
        .orderBy('id')
        .execute();
      expect(runs.map((r) => [r.job, r.trigger, r.status])).toEqual([
        ['ingest', 'start', 'succeeded'],
        ['build', 'start', 'interrupted'],
        ['ingest', 'start', 'succeeded'],
        ['build', 'start', 'succeeded'],
        ['segment', 'start', 'succeeded'],
      ]);
      expect(runs[1]!.error).toMatch(/safe to run again/);
    } finally {
      await ops.close();
    }
  });
});

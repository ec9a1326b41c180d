/** Start-up refuses a bad schedule before doing anything: one line naming the variable. */
import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnCli } from './support/cli-process.ts';
import { tempDir } from './support/harness.ts';

const live = new Set<ChildProcess>();
const root = tempDir('salesops-cron-');
afterAll(() => {
  for (const c of live) c.kill('SIGKILL');
  fs.rmSync(root, { recursive: true, force: true });
});

describe('salesops start with a bad job schedule', () => {
  it('stops with one line naming the variable, before creating anything', async () => {
    const dataDir = path.join(root, 'data');
    const run = spawnCli(['start'], {
      env: { SALESOPS_DATA_DIR: dataDir, SALESOPS_JOB_STOCK_ALERTS_CRON: '*/5 * *' },
      live,
    });
    const done = await run.finished;
    expect(done.code).toBe(1);
    const lines = done.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('SALESOPS_JOB_STOCK_ALERTS_CRON');
    expect(lines[0]).toContain('is not a cron expression');
    expect(fs.existsSync(dataDir)).toBe(false);
  });
});

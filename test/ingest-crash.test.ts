/**
 * Crash safety with a real kill -9: a run in a child process SIGKILLs itself at each named step
 * of a run; the parent then reopens the DuckDB file and checks that the warehouse is exactly what
 * it was before (the run log says 'interrupted'), and that the next run converges to parity.
 *
 * PostgreSQL only: PGlite serves one process. The parent never has the DuckDB file open while
 * the child runs (DuckDB allows one process per file); withWarehouse opens and closes it.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig, type Config } from '../config.ts';
import { migrateToLatest } from '../db/migrate.ts';
import type { OperationalDb } from '../db/operational.ts';
import { openPostgres } from '../db/postgres.ts';
import { runIngest, type IngestOptions } from '../ingest/run.ts';
import { listRuns } from '../ingest/status.ts';
import {
  compareParity,
  differences,
  seedIngestData,
  warehouseFingerprint,
  withWarehouse,
} from './ingest-support.ts';
import { tempDir } from './support/harness.ts';
import { spawnIngestChild, waitForAdvisoryUnlock } from './support/ingest-process.ts';
import { createTestDatabase } from './support/postgres.ts';

/**
 * Where a run can die, in run order (step names from run.ts and pipeline.ts), one of each kind:
 * run record open but no data transaction yet ('locked' is the same), mid-table, a table merged,
 * tables dropped and recreated, everything written but not committed. Each kill costs a process
 * start (~1 s idle, ~4 s on a loaded 2-core machine), hence not every step.
 */
const KILL_POINTS: { step: string; full?: boolean; label: string }[] = [
  { step: 'snapshot', label: 'snapshot' },
  { step: 'chunk:order_lines', label: 'a first chunk of order_lines loaded' },
  { step: 'loaded:order_lines', label: 'order_lines merged' },
  { step: 'loaded:order_lines', full: true, label: 'order_lines recreated (--full)' },
  { step: 'before-commit', label: 'before-commit' },
];

describe.skipIf(!inject('pgAvailable'))('ingest crash safety [postgres]', () => {
  let db: { url: string; drop: () => Promise<void> };
  let ops: OperationalDb;
  let config: Config;
  let options: IngestOptions;

  beforeAll(async () => {
    db = await createTestDatabase();
    ops = await openPostgres(db.url);
    await migrateToLatest(ops.db);
    await seedIngestData(ops);
    config = loadConfig({ SALESOPS_DATA_DIR: tempDir(), LOG_LEVEL: 'silent' });
    // Small chunks, so order_lines loads in several and 'chunk:' is mid-table.
    options = { tempDir: config.ingestTempDir, safetyLagMs: 0, chunkBytes: 4096 };
  });
  afterAll(async () => {
    await ops?.close();
    await db?.drop();
    if (config) fs.rmSync(config.dataDir, { recursive: true, force: true });
  });

  /** Run in a child that kills itself at `step`; the warehouse file is closed meanwhile. */
  async function killedRun(step: string, extra: Partial<IngestOptions> = {}) {
    const child = spawnIngestChild({
      pgUrl: db.url,
      dataDir: config.dataDir,
      options: { safetyLagMs: 0, chunkBytes: 4096, ...extra },
      killAt: step,
    });
    const exit = await child.exited;
    expect(exit, `the child should have died at ${step}`).toMatchObject({ signal: 'SIGKILL' });
    await waitForAdvisoryUnlock(ops);
  }

  /**
   * The warehouse as the last completed run left it (count and checksum per table). Taken while
   * the file is open anyway: changes in PostgreSQL do not alter it, and each extra open of the
   * file costs a process-exit listener in the folder lock (Node warns past ten).
   */
  let committed: Record<string, string> = {};

  it('a first run killed mid-copy leaves an empty warehouse', async () => {
    await killedRun('chunk:order_lines');
    await withWarehouse(config, async (w) => {
      expect(await warehouseFingerprint(ops, w)).toEqual({});
      expect(await listRuns(w)).toMatchObject([{ runId: 1, status: 'interrupted' }]);
      await runIngest(ops, w, options);
      expect(differences(await compareParity(ops, w))).toEqual([]);
      committed = await warehouseFingerprint(ops, w);
    });
  });

  it.each(KILL_POINTS.map((k, i) => ({ ...k, i })))(
    'killed at $label: warehouse unchanged, the next run converges',
    async ({ step, full, i }) => {
      // Something for the killed run to do: an update, an insert, a hard delete.
      await ops.pool.query(`
        UPDATE customers SET name = name || ' +' WHERE code = 'C1';
        INSERT INTO order_lines (order_id, line_no, product_id, quantity, unit_price, line_total)
          VALUES (${20 + i}, 9, 1, 1, 1.5, 1.5);
        DELETE FROM order_lines WHERE order_id = ${40 + i};`);
      await killedRun(step, { full });

      await withWarehouse(config, async (w) => {
        expect(await warehouseFingerprint(ops, w)).toEqual(committed);
        const [last] = await listRuns(w, { limit: 1 });
        expect(last).toMatchObject({ status: 'interrupted', tables: [] });
        expect(last!.error).toMatch(/stopped before the run finished/);
        // The dead run's chunk folder is still there until the next run clears it.
        const leftovers = () => fs.readdirSync(config.ingestTempDir);
        expect(leftovers()).toEqual([`ingest-run-${last!.runId}`]);
        await runIngest(ops, w, options);
        expect(leftovers()).toEqual([]);
        expect(differences(await compareParity(ops, w))).toEqual([]);
        const runs = await listRuns(w, { limit: 2 });
        expect(runs.map((r) => r.status)).toEqual(['succeeded', 'interrupted']);
        committed = await warehouseFingerprint(ops, w);
      });
    },
  );

  it('killed right after COMMIT: the run counts as done and parity holds', async () => {
    await ops.pool.query(`UPDATE products SET name = 'after commit' WHERE id = 2`);
    await killedRun('committed');
    await withWarehouse(config, async (w) => {
      expect(differences(await compareParity(ops, w))).toEqual([]);
      expect(await listRuns(w, { limit: 1 })).toMatchObject([{ status: 'succeeded' }]);
    });
  });
});

/**
 * The ingest against other PostgreSQL sessions: a writer whose transaction commits after a run
 * (its rows carry an updated_at older than that run), and other ingest runs into other warehouse
 * files from the same database, in this process and in another one (the advisory lock).
 * PostgreSQL only: PGlite has a single session, so neither situation can arise there.
 */
import fs from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig, type Config } from '../config.ts';
import { releaseFolderLock } from '../db/folder-lock.ts';
import { migrateToLatest } from '../db/migrate.ts';
import type { OperationalDb } from '../db/operational.ts';
import { openPostgres } from '../db/postgres.ts';
import { IngestBusyError } from '../ingest/errors.ts';
import { runIngest, type IngestOptions } from '../ingest/run.ts';
import { listRuns } from '../ingest/status.ts';
import { openWarehouse, type Warehouse } from '../warehouse/duckdb.ts';
import { compareParity, differences, duckRows, seedIngestData } from './ingest-support.ts';
import { tempDir } from './support/harness.ts';
import { spawnIngestChild, waitForAdvisoryUnlock } from './support/ingest-process.ts';
import { createTestDatabase } from './support/postgres.ts';

/** PostgreSQL's clock, or a timestamptz column, in the text form of Snapshot.bound. */
const UTC_TEXT = (expr: string) =>
  `to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'`;

describe.skipIf(!inject('pgAvailable'))('ingest with concurrent sessions [postgres]', () => {
  let db: { url: string; drop: () => Promise<void> };
  let ops: OperationalDb;
  let config: Config;
  let warehouse: Warehouse;
  const run = (w = warehouse, extra: Partial<IngestOptions> = {}) =>
    runIngest(ops, w, { tempDir: config.ingestTempDir, safetyLagMs: 0, ...extra });
  const pgText = async (sql: string) =>
    (await ops.pool.query<{ t: string }>(`SELECT ${sql} AS t`)).rows[0]!.t;

  beforeAll(async () => {
    db = await createTestDatabase();
    ops = await openPostgres(db.url);
    await migrateToLatest(ops.db);
    await seedIngestData(ops);
    config = loadConfig({ SALESOPS_DATA_DIR: tempDir(), LOG_LEVEL: 'silent' });
    warehouse = await openWarehouse(config, 'test');
    await run();
  });
  afterAll(async () => {
    warehouse?.close();
    await ops?.close();
    await db?.drop();
    if (config) {
      releaseFolderLock(config.dataDir);
      fs.rmSync(config.dataDir, { recursive: true, force: true });
    }
  });

  it('picks up a row whose transaction commits after a run, though its updated_at is older', async () => {
    const late = new pg.Client({ connectionString: db.url });
    await late.connect();
    let updatedAt: string;
    let runStart: string;
    let first;
    try {
      await late.query('BEGIN');
      await late.query(`UPDATE customers SET name = 'late writer' WHERE code = 'C3'`);
      const r = await late.query<{ t: string }>(
        `SELECT ${UTC_TEXT('updated_at')} AS t FROM customers WHERE code = 'C3'`,
      );
      updatedAt = r.rows[0]!.t;
      await new Promise((resolve) => setTimeout(resolve, 20));
      runStart = await pgText(UTC_TEXT('clock_timestamp()'));
      // No safety lag (safetyLagMs: 0): only the bound on open transactions can save the row.
      first = await run();
      await late.query('COMMIT');
    } finally {
      await late.end();
    }
    // Without that bound the watermark would be the run's start, after the row's updated_at,
    // and the next run would read from there and never see it.
    expect(updatedAt < runStart).toBe(true);
    expect(first.bound <= updatedAt).toBe(true);
    const [before] = await duckRows(warehouse, `SELECT name FROM raw.customers WHERE code = 'C3'`);
    expect(before!.name).toBe('');

    const second = await run();
    expect(second.tables.find((t) => t.table === 'customers')).toMatchObject({
      mode: 'incremental',
      rowsRead: 1,
    });
    const [after] = await duckRows(warehouse, `SELECT name FROM raw.customers WHERE code = 'C3'`);
    expect(after!.name).toBe('late writer');
    expect(differences(await compareParity(ops, warehouse))).toEqual([]);
  });

  it('refuses a run into a second warehouse file of this process while the first runs', async () => {
    const other = loadConfig({ SALESOPS_DATA_DIR: tempDir(), LOG_LEVEL: 'silent' });
    const otherWarehouse = await openWarehouse(other, 'test');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let paused!: () => void;
    const atSnapshot = new Promise<void>((resolve) => (paused = resolve));
    try {
      const first = run(warehouse, {
        onStep: async (s) => {
          if (s !== 'snapshot') return;
          paused();
          await gate;
        },
      });
      await atSnapshot;
      // Different files, so the in-process claim does not stop it: PostgreSQL's lock does.
      const refused = run(otherWarehouse, { tempDir: other.ingestTempDir });
      await expect(refused).rejects.toBeInstanceOf(IngestBusyError);
      await expect(refused).rejects.toThrow(/another ingest run holds the lock/);
      release();
      await expect(first).resolves.toMatchObject({ status: 'succeeded' });
      await expect(run(otherWarehouse, { tempDir: other.ingestTempDir })).resolves.toMatchObject({
        status: 'succeeded',
      });
    } finally {
      release();
      otherWarehouse.close();
      releaseFolderLock(other.dataDir);
      fs.rmSync(other.dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a run while another process ingests, and runs once that process is killed', async () => {
    const otherDir = tempDir();
    const child = spawnIngestChild({
      pgUrl: db.url,
      dataDir: otherDir,
      options: { safetyLagMs: 0 },
      holdAt: 'snapshot',
    });
    try {
      await child.held();
      const runsBefore = await listRuns(warehouse, { limit: 1 });
      await expect(run()).rejects.toThrow(/another ingest run holds the lock/);
      // Refused before it opened a run record.
      expect(await listRuns(warehouse, { limit: 1 })).toEqual(runsBefore);
    } finally {
      child.kill();
    }
    expect((await child.exited).signal).toBe('SIGKILL');
    // The dead process's session, and its lock with it, end without anyone unlocking.
    await waitForAdvisoryUnlock(ops);
    await expect(run()).resolves.toMatchObject({ status: 'succeeded' });
    fs.rmSync(otherDir, { recursive: true, force: true });
  });
});

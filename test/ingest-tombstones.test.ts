/**
 * Retention of the hard-delete tombstones (`deleted_rows`, ingest/tombstones.ts), on both
 * databases: the cleanup job deletes those older than SALESOPS_EVENT_RETENTION_DAYS that this
 * instance's warehouse has consumed, and keeps recent ones, ones no run has read yet and ones a
 * table has not applied yet (read by a `--tables` run); the next incremental run removes the
 * same ones from raw.deleted_rows with no reload and no warning, and the warehouse matches
 * PostgreSQL; a second warehouse that never saw the pruned tombstones converges by the count
 * check's full reload of the tables they deleted from.
 *
 * Time: the tombstones and the warehouse's watermarks are moved 150 days back together, in
 * PostgreSQL and in the warehouse alike (hours, which both engines add exactly), as if the
 * history had happened then; what is deleted after that is recent.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { releaseFolderLock } from '../db/folder-lock.ts';
import { runIngest, type IngestOptions, type IngestResult } from '../ingest/run.ts';
import { openWarehouse, type Warehouse } from '../warehouse/duckdb.ts';
import { compareParity, differences, duckRows, seedIngestData } from './ingest-support.ts';
import { describeBoth, startTestEnv, tempDir, type TestEnv } from './support/harness.ts';
import { eventually } from './support/webhook-events.ts';

/** 150 days, in hours. */
const BACK = 3600;

describeBoth('hard-delete tombstone retention', (kind) => {
  let env: TestEnv;
  let options: IngestOptions;
  /** A warehouse of another instance on the same database, ingested only at the start. */
  let other: { warehouse: Warehouse; dataDir: string; tempDir: string };
  beforeAll(async () => {
    env = await startTestEnv(kind, { jobs: true, env: { SALESOPS_SCHEDULER: 'off' } });
    options = { tempDir: env.config.ingestTempDir, safetyLagMs: 0, chunkBytes: 4096 };
    await seedIngestData(env.ops);
    const config = loadConfig({ SALESOPS_DATA_DIR: tempDir(), LOG_LEVEL: 'silent' });
    other = {
      warehouse: await openWarehouse(config, 'test'),
      dataDir: config.dataDir,
      tempDir: config.ingestTempDir,
    };
  });
  afterAll(async () => {
    if (other) {
      other.warehouse.close();
      releaseFolderLock(other.dataDir);
      fs.rmSync(other.dataDir, { recursive: true, force: true });
    }
    await env?.close();
  });

  const pg = async (text: string) => (await env.ops.pool.query(text)).rows;
  const ingest = (extra: Partial<IngestOptions> = {}, warehouse = env.warehouse) =>
    runIngest(env.ops, warehouse, { ...options, ...extra });
  /**
   * Delete and record the tombstones' ids. The statistics flush in the same session, so the
   * run sees the deletes in the tables' fingerprints at once (PostgreSQL sends them up to a
   * second later, and the run after would catch them).
   */
  async function deleteRows(statements: string): Promise<number[]> {
    const [{ n }] = await pg(`SELECT coalesce(max(id), 0)::int AS n FROM deleted_rows`);
    await pg(`${statements}; SELECT pg_stat_force_next_flush();`);
    const rows = await pg(`SELECT id::int AS id FROM deleted_rows WHERE id > ${n} ORDER BY id`);
    return rows.map((r) => Number(r.id));
  }
  const tombstones = async () =>
    (await pg(`SELECT id::int AS id FROM deleted_rows ORDER BY id`)).map((r) => Number(r.id));
  const warehouseTombstones = async (w = env.warehouse) =>
    (await duckRows(w, `SELECT id FROM raw.deleted_rows ORDER BY id`)).map((r) => Number(r.id));
  const expectParity = async (w = env.warehouse) =>
    expect(differences(await compareParity(env.ops, w))).toEqual([]);
  const tableOf = (r: IngestResult, name: string) => r.tables.find((t) => t.table === name)!;

  async function runCleanup(): Promise<any> {
    const run = await env.request('POST', '/api/v1/jobs/cleanup/run');
    expect(run.status, run.text).toBe(202);
    const done = await eventually(async () => {
      const r = (await env.request('GET', `/api/v1/jobs/runs/${run.body.id}`)).body;
      return r.status === 'queued' || r.status === 'running' ? undefined : r;
    }, 'the cleanup run');
    expect(['succeeded', 'skipped'], JSON.stringify(done)).toContain(done.status);
    return done;
  }

  /**
   * PostgreSQL's row counters show the cleanup's deletes: the job ran on another session, which
   * sends them when idle, within about a second. (PGlite has one session; the run flushes it.)
   */
  async function statisticsShowPrune(total: number): Promise<void> {
    if (kind !== 'postgres') return;
    await eventually(async () => {
      const [s] = await pg(
        `SELECT n_tup_del::int AS n FROM pg_stat_user_tables WHERE relname = 'deleted_rows'`,
      );
      return Number(s.n) >= total;
    }, 'the statistics of the prune');
  }

  /** Move every tombstone, run bound and watermark BACK hours earlier; `earlier` an hour more. */
  async function moveHistoryBack(earlier: readonly number[]): Promise<void> {
    const extra = earlier.length ? `id IN (${earlier.join(', ')})` : 'false';
    await pg(`UPDATE deleted_rows SET updated_at = updated_at - interval '${BACK} hours'
                - CASE WHEN ${extra} THEN interval '1 hour' ELSE interval '0 hours' END`);
    await duckRows(
      env.warehouse,
      `UPDATE raw.deleted_rows SET updated_at = updated_at - INTERVAL ${BACK} HOUR
         - CASE WHEN ${extra} THEN INTERVAL 1 HOUR ELSE INTERVAL 0 HOUR END`,
    );
    await duckRows(
      env.warehouse,
      `UPDATE raw._ingest_runs SET snapshot_bound = snapshot_bound - INTERVAL ${BACK} HOUR`,
    );
    await duckRows(
      env.warehouse,
      `UPDATE raw._ingest_state SET watermark = watermark - INTERVAL ${BACK} HOUR`,
    );
  }

  it('prunes consumed old tombstones only, and the warehouses follow', async () => {
    // Before any ingest nothing is consumed, however old: nothing goes.
    const early = await deleteRows(`DELETE FROM order_events WHERE order_id = 2`);
    await pg(`UPDATE deleted_rows SET updated_at = updated_at - interval '${BACK} hours'`);
    const none = await runCleanup();
    expect(none.detail).toMatchObject({ tombstones: 0, tombstonesConsumedThrough: null });
    expect(await tombstones()).toEqual(early);

    await ingest();
    await ingest({ tempDir: other.tempDir }, other.warehouse).then((r) =>
      expect(r.warnings).toEqual([]),
    );
    // A: applied by a run of every table. B: read into raw.deleted_rows by a run of customers
    // only, so order_lines has not applied it. C: read by no run.
    const a = await deleteRows(`DELETE FROM order_lines WHERE order_id = 3;
      DELETE FROM order_events WHERE order_id = 3; DELETE FROM orders WHERE id = 3`);
    expect(a).toHaveLength(6);
    await ingest();
    const b = await deleteRows(`DELETE FROM order_lines WHERE order_id = 4`);
    expect(tableOf(await ingest({ tables: ['customers'] }), 'deleted_rows').rowsRead).toBe(4);
    const c = await deleteRows(`DELETE FROM order_lines WHERE order_id = 5`);
    // A happened an hour before the run that applied it: past the safety lag the mark keeps.
    await moveHistoryBack([...early, ...a]);

    const first = await runCleanup();
    expect(first.detail).toMatchObject({ tombstones: 7, eventRetentionDays: 90 });
    expect(first.detail.tombstonesConsumedThrough).toEqual(expect.any(String));
    expect(await tombstones()).toEqual([...b, ...c]);
    await statisticsShowPrune(7);

    // D: recent. The incremental run applies B, C and D and drops what PostgreSQL dropped.
    const d = await deleteRows(`DELETE FROM order_lines WHERE order_id = 6`);
    const second = await ingest();
    expect(second.warnings).toEqual([]);
    expect(second.tables.every((t) => t.mode === 'incremental')).toBe(true);
    expect(tableOf(second, 'deleted_rows')).toMatchObject({ rowsRead: 8, rowsDeleted: 7 });
    expect(tableOf(second, 'order_lines').rowsDeleted).toBe(12);
    expect(await warehouseTombstones()).toEqual([...b, ...c, ...d]);
    await expectParity();

    // Now B and C are consumed too; D is younger than the window.
    const again = await runCleanup();
    expect(again.detail).toMatchObject({ tombstones: 8 });
    expect(await tombstones()).toEqual(d);
    await statisticsShowPrune(15);
    const third = await ingest();
    expect(third.warnings).toEqual([]);
    expect(tableOf(third, 'deleted_rows')).toMatchObject({ mode: 'incremental', rowsDeleted: 8 });
    expect(await warehouseTombstones()).toEqual(d);
    await expectParity();

    // The other warehouse never saw A, B or C: its merge keeps those rows, the counts disagree,
    // and the tables they deleted from are reloaded whole. Nothing else is.
    const late = await ingest({ tempDir: other.tempDir }, other.warehouse);
    const reloaded = late.tables.filter((t) => t.mode === 'full').map((t) => t.table);
    expect(reloaded.sort()).toEqual(['order_events', 'order_lines', 'orders']);
    expect(late.warnings.join('\n')).toMatch(/order_lines: the warehouse count differed/);
    expect(await warehouseTombstones(other.warehouse)).toEqual(d);
    await expectParity(other.warehouse);
    const after = await ingest({ tempDir: other.tempDir }, other.warehouse);
    expect(after.warnings).toEqual([]);
    expect(after.tables.every((t) => t.mode === 'incremental')).toBe(true);
  });
});

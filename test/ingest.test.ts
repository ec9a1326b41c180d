/**
 * PostgreSQL → DuckDB ingest on both databases: parity after full and incremental runs, updates,
 * soft and hard deletes (also ones deleted_rows missed), schema drift, secrets, atomic failure,
 * refusal of a second run, interrupted runs, and the run log over the API. Killed processes and
 * other sessions: ingest-crash.test.ts and ingest-concurrency.test.ts (PostgreSQL only).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IngestBusyError } from '../ingest/errors.ts';
import { runIngest, type IngestOptions } from '../ingest/run.ts';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import {
  compareParity,
  differences,
  duckRows,
  seedIngestData,
  warehouseFingerprint,
} from './ingest-support.ts';

describeBoth('ingest', (kind) => {
  let env: TestEnv;
  let options: IngestOptions;
  const run = (extra: Partial<IngestOptions> = {}) =>
    runIngest(env.ops, env.warehouse, { ...options, ...extra });
  const sql = (text: string) => env.ops.pool.query(text);
  const expectParity = async () =>
    expect(differences(await compareParity(env.ops, env.warehouse))).toEqual([]);

  beforeAll(async () => {
    env = await startTestEnv(kind);
    options = { tempDir: env.config.ingestTempDir, safetyLagMs: 0, chunkBytes: 4096 };
    await seedIngestData(env.ops);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('first run copies every table whole, with matching counts and checksums', async () => {
    const r = await run();
    expect(r.tables.every((t) => t.mode === 'full' && t.reason === 'first copy')).toBe(true);
    const names = r.tables.map((t) => t.table);
    for (const t of ['customers', 'orders', 'order_lines', 'stock_levels', 'deleted_rows']) {
      expect(names).toContain(t);
    }
    expect(r.tables.find((t) => t.table === 'order_lines')!.rowsRead).toBe(240);
    await expectParity();
    const types = await duckRows(
      env.warehouse,
      `SELECT column_name, data_type FROM duckdb_columns()
       WHERE schema_name = 'raw' AND table_name = 'customers'`,
    );
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.data_type]))).toMatchObject({
      id: 'BIGINT',
      credit_limit: 'DECIMAL(14,2)',
      tags: 'VARCHAR[]',
      created_at: 'TIMESTAMP WITH TIME ZONE',
      blocked: 'BOOLEAN',
    });
    const [c] = await duckRows(
      env.warehouse,
      `SELECT phone, email FROM raw.customers WHERE code = 'C1'`,
    );
    expect(c).toEqual({ phone: '', email: 'a@acme.test' });
  });

  it('never copies secrets: no key hashes, no cached responses', async () => {
    const cols = await duckRows(
      env.warehouse,
      `SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'raw'`,
    );
    expect(cols.filter((c) => /hash|secret/i.test(String(c.column_name)))).toEqual([]);
    expect(cols.some((c) => c.table_name === 'idempotency_keys')).toBe(false);
    expect((await duckRows(env.warehouse, 'SELECT count(*) AS n FROM raw.api_keys'))[0]!.n).toBe(
      '5',
    );
    const [state] = await duckRows(
      env.warehouse,
      `SELECT excluded_columns FROM raw._ingest_state WHERE table_name = 'api_keys'`,
    );
    expect(state!.excluded_columns).toEqual(['key_hash']);
  });

  it('merges updates, soft deletes and hard deletes (also composite and re-inserted keys)', async () => {
    await sql(`
      UPDATE customers SET name = 'Acme renamed', tags = '{}' WHERE code = 'C1';
      UPDATE contacts SET deleted_at = now() WHERE name = 'Dee';
      DELETE FROM order_lines WHERE order_id = 3;
      DELETE FROM order_events WHERE order_id = 3;
      DELETE FROM orders WHERE id = 3;
      DELETE FROM stock_levels WHERE product_id = 1 AND warehouse_id = 2;
      DELETE FROM stock_levels WHERE product_id = 2 AND warehouse_id = 1;
      INSERT INTO stock_levels (product_id, warehouse_id, on_hand) VALUES (2, 1, 7);
      UPDATE stock_levels SET reserved = 1 WHERE product_id = 3 AND warehouse_id = 1;
      DELETE FROM order_rules WHERE id = 'max-discount';
      INSERT INTO customers (code, name) VALUES ('C4', 'Newcomer');`);
    const r = await run();
    const by = Object.fromEntries(r.tables.map((t) => [t.table, t]));
    expect(r.tables.every((t) => t.mode === 'incremental')).toBe(true);
    expect(by.order_lines).toMatchObject({ rowsRead: 0, rowsDeleted: 4, rowCount: 236 });
    expect(by.orders).toMatchObject({ rowsDeleted: 1 });
    expect(by.customers).toMatchObject({ rowsRead: 2, rowsMerged: 2 });
    expect(by.stock_levels).toMatchObject({ rowsRead: 2, rowsDeleted: 1, rowCount: 39 });
    expect(by.order_rules).toMatchObject({ rowsDeleted: 1 });
    expect(by.products).toMatchObject({ rowsRead: 0, rowsDeleted: 0 });
    await expectParity();
    const [dee] = await duckRows(
      env.warehouse,
      `SELECT deleted_at FROM raw.contacts WHERE name = 'Dee'`,
    );
    expect(dee!.deleted_at).not.toBeNull();
  });

  it('carries rows longer than read_csv’s default line size (3 MB of text and of JSON)', async () => {
    // Quotes, commas and newlines inside: the chunk writer must bound the row, not the line.
    await sql(`
      UPDATE orders SET notes = repeat(E'say "hi",\\n', 300000) WHERE id = 1;
      UPDATE order_events SET payload = jsonb_build_object('blob', repeat('z', 3000000))
        WHERE id = (SELECT min(id) FROM order_events)`);
    const r = await run();
    expect(r.tables.find((t) => t.table === 'orders')).toMatchObject({ rowsRead: 1 });
    await expectParity();
    const [o] = await duckRows(
      env.warehouse,
      `SELECT length(notes) AS n FROM raw.orders WHERE id = 1`,
    );
    expect(o!.n).toBe('3000000');
    const full = await run({ full: true, tables: ['orders', 'order_events'] });
    expect(full.tables.every((t) => t.mode === 'full')).toBe(true);
    await expectParity();
  });

  it('leaves out a secret column added later, and records it in the state', async () => {
    await sql(`ALTER TABLE contacts ADD COLUMN portal_password text DEFAULT 'hunter2'`);
    const r = await run();
    expect(r.tables.find((t) => t.table === 'contacts')).toMatchObject({ mode: 'incremental' });
    const cols = await duckRows(
      env.warehouse,
      `SELECT column_name FROM duckdb_columns() WHERE schema_name = 'raw' AND table_name = 'contacts'`,
    );
    expect(cols.map((c) => c.column_name)).not.toContain('portal_password');
    const [state] = await duckRows(
      env.warehouse,
      `SELECT excluded_columns FROM raw._ingest_state WHERE table_name = 'contacts'`,
    );
    expect(state!.excluded_columns).toEqual(['portal_password']);
    await sql(`ALTER TABLE contacts DROP COLUMN portal_password`);
    await run();
    const [after] = await duckRows(
      env.warehouse,
      `SELECT excluded_columns FROM raw._ingest_state WHERE table_name = 'contacts'`,
    );
    expect(after!.excluded_columns).toEqual([]);
    await expectParity();
  });

  it('adds a new PostgreSQL column with ALTER and back-fills it, without rebuilding', async () => {
    await sql(`ALTER TABLE customers ADD COLUMN segment text NOT NULL DEFAULT 'smb'`);
    await sql(`UPDATE customers SET segment = 'enterprise' WHERE code = 'C1'`);
    const r = await run();
    const customers = r.tables.find((t) => t.table === 'customers')!;
    expect(customers).toMatchObject({ mode: 'incremental', reason: 'columns added: segment' });
    await expectParity();
    const rows = await duckRows(
      env.warehouse,
      `SELECT code, segment FROM raw.customers ORDER BY code`,
    );
    expect(rows.map((x) => x.segment)).toEqual(['enterprise', 'smb', 'smb', 'smb']);
  });

  it('rebuilds a table whose column changed type or was dropped, and says so', async () => {
    await sql(`ALTER TABLE products ALTER COLUMN cost TYPE numeric(16,4)`);
    await sql(`ALTER TABLE customers DROP COLUMN segment`);
    const r = await run();
    const by = Object.fromEntries(r.tables.map((t) => [t.table, t]));
    expect(by.products).toMatchObject({ mode: 'full' });
    expect(by.products!.reason).toMatch(/cost changed type numeric\(14,4\) → numeric\(16,4\)/);
    expect(by.customers!.reason).toMatch(/column segment was dropped/);
    expect(r.warnings.join('\n')).toMatch(/products: schema changed/);
    await expectParity();
    const [t] = await duckRows(
      env.warehouse,
      `SELECT data_type FROM duckdb_columns() WHERE table_name = 'products' AND column_name = 'cost'`,
    );
    expect(t!.data_type).toBe('DECIMAL(16,4)');
  });

  it('--tables limits the run, adding deleted_rows for hard deletes; --full recopies', async () => {
    await sql(`DELETE FROM order_lines WHERE order_id = 4`);
    const r = await run({ tables: ['order_lines'] });
    expect(r.tables.map((t) => t.table)).toEqual(['deleted_rows', 'order_lines']);
    expect(r.tables[1]).toMatchObject({ rowsDeleted: 4 });
    const full = await run({ full: true, tables: ['orders'] });
    expect(full.tables).toMatchObject([{ table: 'orders', mode: 'full', reason: '--full' }]);
    await expectParity();
    await expect(run({ tables: ['api_keys', 'idempotency_keys'] })).rejects.toThrow(
      /idempotency_keys is never copied/,
    );
  });

  it('a failure rolls the whole run back, is logged, and the next run converges', async () => {
    await sql(`UPDATE customers SET name = 'Changed again' WHERE code = 'C2'`);
    await sql(`DELETE FROM order_lines WHERE order_id = 5`);
    const before = await warehouseFingerprint(env.ops, env.warehouse);
    const failing = run({
      onStep: (s) => {
        if (s === 'loaded:order_lines') throw new Error('disk on fire');
      },
    });
    await expect(failing).rejects.toThrow(/order_lines: disk on fire/);
    expect(await warehouseFingerprint(env.ops, env.warehouse)).toEqual(before);
    const [last] = await duckRows(
      env.warehouse,
      `SELECT status, error FROM raw._ingest_runs ORDER BY run_id DESC LIMIT 1`,
    );
    expect(last).toEqual({ status: 'failed', error: 'order_lines: disk on fire' });
    await run();
    await expectParity();
  });

  it('catches a hard delete that deleted_rows did not record, and reloads that table', async () => {
    // pg_stat_force_next_flush: PostgreSQL's statistics, which tell the run which tables to
    // count, would otherwise show the delete only seconds later (the next run would catch it).
    await sql(`
      ALTER TABLE order_events DISABLE TRIGGER order_events_hard_delete;
      DELETE FROM order_events WHERE order_id = 10;
      ALTER TABLE order_events ENABLE TRIGGER order_events_hard_delete;
      SELECT pg_stat_force_next_flush();`);
    const r = await run();
    const events = r.tables.find((t) => t.table === 'order_events')!;
    expect(events).toMatchObject({ mode: 'full', rowCount: 58 });
    expect(events.reason).toMatch(/reloaded in full/);
    expect(r.warnings.join('\n')).toMatch(/order_events: the warehouse count differed/);
    expect(r.tables.filter((t) => t.mode === 'full')).toHaveLength(1);
    await expectParity();
  });

  it('refuses a second run while one is in progress in another process', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let paused!: () => void;
    const atSnapshot = new Promise<void>((r) => (paused = r));
    const first = run({
      onStep: async (s) => {
        if (s !== 'snapshot') return;
        paused();
        await gate;
      },
    });
    await atSnapshot;
    await expect(run()).rejects.toBeInstanceOf(IngestBusyError);
    // (Within one server, runs asked for over HTTP queue behind each other in the job runtime
    // instead: test/jobs-api.test.ts.) On PGlite the paused run's snapshot holds the single
    // session, so the API could not even look its key up until the run ends: PostgreSQL only.
    if (kind === 'postgres') {
      const live = await env.request('GET', '/api/v1/ingest/runs?limit=1', { key: 'analyst' });
      expect(live.body.items[0]).toMatchObject({ status: 'running', error: null });
    }
    release();
    await expect(first).resolves.toMatchObject({ status: 'succeeded' });
  });

  it('reports a run left "running" by a dead process as interrupted, and the next run records it', async () => {
    // The row a kill -9 leaves behind (ingest-crash.test.ts kills real processes on PostgreSQL).
    const conn = await env.warehouse.connect();
    try {
      await conn.run(`INSERT INTO raw._ingest_runs (run_id, status, mode, started_at)
        SELECT max(run_id) + 1, 'running', 'incremental', now() FROM raw._ingest_runs`);
    } finally {
      conn.closeSync();
    }
    const list = await env.request('GET', '/api/v1/ingest/runs?limit=1', { key: 'analyst' });
    expect(list.body.items[0]).toMatchObject({ status: 'interrupted' });
    expect(list.body.items[0].error).toMatch(/stopped before the run finished/);
    const id = list.body.items[0].runId;
    const one = await env.request('GET', `/api/v1/ingest/runs/${id}`, { key: 'manager' });
    expect(one.body).toMatchObject({ runId: id, status: 'interrupted' });
    await run();
    const [row] = await duckRows(
      env.warehouse,
      `SELECT status FROM raw._ingest_runs WHERE run_id = ${id}`,
    );
    expect(row!.status).toBe('interrupted');
  });

  it('serves the run log over HTTP', async () => {
    const list = await env.request('GET', '/api/v1/ingest/runs?limit=3', { key: 'analyst' });
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(3);
    // The log pages newest first: the next page continues below the last run id of this one.
    const all = await env.request('GET', '/api/v1/ingest/runs?limit=200', { key: 'analyst' });
    const ids = all.body.items.map((r: { runId: number }) => r.runId);
    expect(list.body.nextCursor === null).toBe(ids.length <= 3);
    if (list.body.nextCursor) {
      const next = await env.request(
        'GET',
        `/api/v1/ingest/runs?limit=3&cursor=${list.body.nextCursor}`,
        { key: 'analyst' },
      );
      expect(next.body.items.map((r: { runId: number }) => r.runId)).toEqual(ids.slice(3, 6));
    }
    expect(list.body.items[0]).toMatchObject({ status: 'succeeded', mode: 'incremental' });
    expect(list.body.items[0].tables.length).toBeGreaterThan(10);
    expect((await env.request('GET', '/api/v1/ingest/runs', { key: 'staff' })).status).toBe(403);
    const denied = await env.request('POST', '/api/v1/ingest/runs', { key: 'analyst', body: {} });
    expect(denied.status).toBe(403);
    const noRuntime = await env.request('POST', '/api/v1/ingest/runs', {
      key: 'manager',
      body: { tables: ['nope'] },
    });
    // Queuing a run goes through the job runtime, which this suite does not run (its runs
    // write job_runs, a table the parity checks would see change): test/jobs-api.test.ts.
    expect(noRuntime.status).toBe(503);
    expect((await env.request('GET', '/api/v1/ingest/runs/99999', { key: 'manager' })).status).toBe(
      404,
    );
    await expectParity();
  });
});

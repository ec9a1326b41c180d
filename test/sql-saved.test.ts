/**
 * Saved queries, the query history and the schema through the real app: CRUD; private and
 * shared visibility; an executive runs a shared query and is refused a private one and POST
 * /sql; names unique per owner (409 in words); a run in CSV; a history row for every run —
 * success, refused, timed out, bad SQL — with who ran it; the schema with the models'
 * descriptions; and neither table (nor its SQL text) ever reaching the warehouse.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteHistoryOlderThan } from '../api/sql/history.ts';
import { tableDenial } from '../ingest/deny-list.ts';
import { runIngest } from '../ingest/run.ts';
import { ensureMeta, recordCatalog } from '../models/engine/meta.ts';
import { loadProject } from '../models/engine/project.ts';
import { duckRows } from './ingest-support.ts';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import { asSession, signInAs, type Session } from './support/sessions.ts';
import { withConnection } from './support/raw-tables.ts';

/** Ten billion rows of cross join: stopped at its time limit long before it ends. */
const RUNAWAY = 'SELECT sum(a.range * b.range) AS s FROM range(100000) a, range(100000) b';

describeBoth('saved queries, history and schema', (kind) => {
  let env: TestEnv;
  let ana: Session;
  let bea: Session;
  let exe: Session;
  /** A text that appears only in SQL people saved or ran: it must never reach the warehouse. */
  const marker = `marker_${randomBytes(8).toString('hex')}`;

  const as = (s: Session, method: string, url: string, body?: unknown, accept?: string) =>
    env.request(method, `/api/v1${url}`, {
      ...asSession(s, accept ? { accept } : {}),
      body,
    });
  const save = (s: Session, body: Record<string, unknown>) => as(s, 'POST', '/sql/saved', body);

  beforeAll(async () => {
    env = await startTestEnv(kind);
    await withConnection(env.warehouse, async (c) => {
      await c.run(`CREATE SCHEMA IF NOT EXISTS marts;
        CREATE TABLE marts.sql_numbers AS SELECT range AS n FROM range(30);
        CREATE TABLE marts.mart_sales_daily (date_day DATE, key VARCHAR, revenue DECIMAL(18,2));`);
      // The catalog a build records: the models' @description and @column lines.
      await ensureMeta(c);
      await recordCatalog(c, loadProject());
    });
    ana = await signInAs(env, 'analyst');
    bea = await signInAs(env, 'analyst');
    exe = await signInAs(env, 'executive');
  });
  afterAll(async () => {
    await env?.close();
  });

  it('creates, reads, changes and deletes a saved query, audited without its SQL', async () => {
    const made = await save(ana, {
      name: 'Numbers',
      sql: `SELECT n, '${marker}' AS m FROM marts.sql_numbers ORDER BY n`,
      description: 'every number',
    });
    expect(made.status, made.text).toBe(201);
    expect(made.body).toMatchObject({
      name: 'Numbers',
      shared: false,
      ownerUserId: ana.userId,
      ownerKeyId: null,
      mine: true,
      description: 'every number',
    });
    const id = made.body.id as number;
    expect((await as(ana, 'GET', `/sql/saved/${id}`)).body.sql).toContain(marker);

    const changed = await as(ana, 'PATCH', `/sql/saved/${id}`, { shared: true, description: null });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body).toMatchObject({ shared: true, description: null, name: 'Numbers' });

    const audit = await env.ops.db
      .selectFrom('audit_log')
      .select(['action', 'user_id', 'diff'])
      .where('entity', '=', 'sql_saved_query')
      .where('entity_id', '=', String(id))
      .orderBy('id')
      .execute();
    expect(audit.map((a) => [a.action, a.user_id])).toEqual([
      ['create', ana.userId],
      ['update', ana.userId],
    ]);
    expect(JSON.stringify(audit)).not.toContain(marker);

    expect((await as(ana, 'DELETE', `/sql/saved/${id}`)).status).toBe(204);
    const gone = await as(ana, 'GET', `/sql/saved/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('shows private queries to their owner and admins only, shared ones to all who run SQL', async () => {
    const mine = (await save(ana, { name: 'Private one', sql: 'SELECT 1 AS x' })).body;
    const shared = (await save(ana, { name: 'Shared one', sql: 'SELECT 2 AS x', shared: true }))
      .body;
    const names = async (s: Session | 'admin', query = '') => {
      const r =
        s === 'admin'
          ? await env.request('GET', `/api/v1/sql/saved${query}`)
          : await as(s, 'GET', `/sql/saved${query}`);
      expect(r.status, r.text).toBe(200);
      expect(r.body.nextCursor).toBeNull();
      return (r.body.items as { name: string }[]).map((i) => i.name);
    };
    expect(await names(ana)).toEqual(expect.arrayContaining(['Private one', 'Shared one']));
    expect(await names(bea)).toContain('Shared one');
    expect(await names(bea)).not.toContain('Private one');
    expect(await names(bea, '?shared=false')).not.toContain('Private one');
    expect(await names(exe)).toContain('Shared one');
    expect(await names(exe)).not.toContain('Private one');
    expect(await names('admin')).toEqual(expect.arrayContaining(['Private one', 'Shared one']));

    // Another's private query is not there for them; a shared one is theirs to read, not change.
    expect((await as(bea, 'GET', `/sql/saved/${mine.id}`)).status).toBe(404);
    expect((await as(bea, 'GET', `/sql/saved/${shared.id}`)).body.mine).toBe(false);
    const edit = await as(bea, 'PATCH', `/sql/saved/${shared.id}`, { sql: 'SELECT 3' });
    expect(edit.status).toBe(403);
    expect(edit.body.detail).toMatch(/only its owner or an admin may change it/);
    expect((await as(bea, 'DELETE', `/sql/saved/${shared.id}`)).status).toBe(403);
    const admin = await env.request('PATCH', `/api/v1/sql/saved/${mine.id}`, {
      body: { description: 'checked by an admin' },
    });
    expect(admin.status, admin.text).toBe(200);
    expect(admin.body).toMatchObject({ mine: false, ownerUserId: ana.userId });
  });

  it('refuses a second query of the same name for one owner (409 in words), not for another', async () => {
    expect((await save(ana, { name: 'Revenue', sql: 'SELECT 1' })).status).toBe(201);
    const again = await save(ana, { name: 'revenue', sql: 'SELECT 2' });
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/you already have a saved query named Revenue/);
    expect(again.body.errors).toEqual([
      { field: 'name', in: 'body', message: 'you already have a saved query with this name' },
    ]);
    expect(again.text).not.toMatch(/sql_saved_queries|constraint|unique/i);
    expect((await save(bea, { name: 'Revenue', sql: 'SELECT 1' })).status).toBe(201);

    const other = (await save(ana, { name: 'Margins', sql: 'SELECT 1' })).body;
    const rename = await as(ana, 'PATCH', `/sql/saved/${other.id}`, { name: 'REVENUE' });
    expect(rename.status).toBe(409);
    // A machine key owns its own names.
    const byKey = await env.request('POST', '/api/v1/sql/saved', {
      key: 'analyst',
      body: { name: 'Revenue', sql: 'SELECT 1' },
    });
    expect(byKey.status, byKey.text).toBe(201);
    expect(byKey.body).toMatchObject({ ownerUserId: null, mine: true });
    expect(byKey.body.ownerKeyId).toEqual(expect.any(Number));
  });

  it('lets an executive run a shared query, not a private one, and never SQL of its own', async () => {
    const shared = (
      await save(ana, {
        name: 'Shared numbers',
        sql: 'SELECT n FROM marts.sql_numbers ORDER BY n',
        shared: true,
      })
    ).body;
    const secret = (await save(ana, { name: 'Mine only', sql: 'SELECT 1 AS x' })).body;

    const run = await as(exe, 'POST', `/sql/saved/${shared.id}/run`, { limit: 5 });
    expect(run.status, run.text).toBe(200);
    expect(run.body).toMatchObject({ rowCount: 5, truncated: true });
    expect(run.body.rows).toEqual([['0'], ['1'], ['2'], ['3'], ['4']]);
    // No body at all is the same as {}.
    const bare = await env.request('POST', `/api/v1/sql/saved/${shared.id}/run`, asSession(exe));
    expect(bare.status, bare.text).toBe(200);
    expect(bare.body.rowCount).toBe(30);

    expect((await as(exe, 'POST', `/sql/saved/${secret.id}/run`, {})).status).toBe(404);
    const own = await as(exe, 'POST', '/sql', { sql: 'SELECT 1' });
    expect(own.status).toBe(403);
    expect((await save(exe, { name: 'x', sql: 'SELECT 1' })).status).toBe(403);
    expect((await as(exe, 'GET', '/sql/schema')).status).toBe(403);
    // …and past an analyst's cap is past it for an executive too: the SQL is analyst SQL.
    const long = await as(exe, 'POST', `/sql/saved/${shared.id}/run`, { timeoutMs: 600_000 });
    expect(long.status).toBe(400);
    expect(long.body.detail).toMatch(/timeoutMs: at most 120000/);

    const history = await as(exe, 'GET', '/sql/history');
    expect(history.status, history.text).toBe(200);
    expect(history.body.items[0]).toMatchObject({
      userId: exe.userId,
      savedQueryId: shared.id,
      status: 400,
    });
    expect(history.body.items.map((h: { status: number }) => h.status)).toEqual([400, 200, 200]);
  });

  it('runs a saved query in CSV, with the same headers as POST /sql', async () => {
    const q = (
      await save(ana, { name: 'As CSV', sql: 'SELECT n FROM marts.sql_numbers ORDER BY n' })
    ).body;
    const csv = await as(ana, 'POST', `/sql/saved/${q.id}/run`, { limit: 3 }, 'text/csv');
    expect(csv.status, csv.text).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('x-row-count')).toBe('3');
    expect(csv.headers.get('x-truncated')).toBe('true');
    expect(csv.text.trim().split(/\r?\n/)).toEqual(['n', '0', '1', '2']);
    const nope = await as(ana, 'POST', `/sql/saved/${q.id}/run`, {}, 'image/png');
    expect(nope.status).toBe(406);
  });

  it('records every run with who ran it: success, refused, timed out, bad SQL', async () => {
    const dan = await signInAs(env, 'analyst');
    const runs: [string, number][] = [
      [`SELECT count(*) AS c, '${marker}' AS m FROM marts.sql_numbers`, 200],
      [`SELECT * FROM read_csv('/etc/passwd')`, 422],
      [RUNAWAY, 408],
      ['SELEC 1', 400],
    ];
    for (const [sql, status] of runs) {
      const r = await as(dan, 'POST', '/sql', {
        sql,
        ...(sql === RUNAWAY ? { timeoutMs: 300 } : {}),
      });
      expect(r.status, r.text).toBe(status);
    }
    const h = await as(dan, 'GET', '/sql/history');
    expect(h.status, h.text).toBe(200);
    const items = h.body.items as Record<string, unknown>[];
    // Newest first.
    expect(items.map((i) => [i.sql, i.status])).toEqual(runs.reverse());
    for (const i of items) expect(i).toMatchObject({ userId: dan.userId, savedQueryId: null });
    const [bad, timeout, refused, ok] = items;
    expect(ok).toMatchObject({ rowCount: 1, truncated: false, error: null, format: 'json' });
    expect(refused!.error).toMatch(/read_csv/);
    expect(timeout!.error).toMatch(/time limit of 300 ms/);
    expect(bad!.error).toMatch(/^sql \(line 1/);
    for (const i of [bad, timeout, refused])
      expect(i).toMatchObject({ rowCount: null, truncated: null });

    // Paged newest first, and each analyst sees only their own.
    const page = await as(dan, 'GET', '/sql/history?limit=3');
    expect(page.body.items).toHaveLength(3);
    const rest = await as(dan, 'GET', `/sql/history?limit=3&cursor=${page.body.nextCursor}`);
    expect(rest.body.items.map((i: { id: number }) => i.id)).toEqual([ok!.id]);
    expect(rest.body.nextCursor).toBeNull();
    const others = (await as(bea, 'GET', '/sql/history')).body.items as { userId: number }[];
    expect(others.every((i) => i.userId === bea.userId)).toBe(true);
    const peek = await as(bea, 'GET', `/sql/history?userId=${dan.userId}`);
    expect(peek.status).toBe(403);
    const admin = await env.request('GET', `/api/v1/sql/history?userId=${dan.userId}`);
    expect(admin.body.items).toHaveLength(4);
    // A machine key's runs are the key's.
    await env.request('POST', '/api/v1/sql', { key: 'analyst', body: { sql: 'SELECT 42 AS x' } });
    const byKey = await env.request('GET', '/api/v1/sql/history', { key: 'analyst' });
    expect(byKey.body.items[0]).toMatchObject({ sql: 'SELECT 42 AS x', userId: null });
    expect(byKey.body.items[0].apiKeyId).toEqual(expect.any(Number));
  });

  it('answers the query when the history cannot be written, and forgets old history', async () => {
    await sql`ALTER TABLE sql_history RENAME TO sql_history_away`.execute(env.ops.db);
    try {
      const r = await as(ana, 'POST', '/sql', { sql: `SELECT 7 AS unrecorded_${marker}` });
      expect(r.status, r.text).toBe(200);
      expect(r.body.rows).toEqual([[7]]);
    } finally {
      await sql`ALTER TABLE sql_history_away RENAME TO sql_history`.execute(env.ops.db);
    }
    const all = await env.ops.db.selectFrom('sql_history').select('sql').execute();
    expect(all.filter((h) => h.sql.includes('unrecorded_'))).toEqual([]);

    const old = await env.ops.db
      .insertInto('sql_history')
      .values({
        user_id: ana.userId,
        api_key_id: null,
        saved_query_id: null,
        sql: 'SELECT 1',
        format: 'json',
        started_at: new Date(Date.now() - (env.config.historyDays + 1) * 86_400_000),
        elapsed_ms: 1,
        status: 200,
        row_count: 1,
        truncated: false,
        error: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const before = await env.ops.db.selectFrom('sql_history').select('id').orderBy('id').execute();
    expect(await deleteHistoryOlderThan(env.ops.db, env.config.historyDays)).toBe(1);
    const after = await env.ops.db.selectFrom('sql_history').select('id').orderBy('id').execute();
    expect(after.map((h) => h.id)).toEqual(before.map((h) => h.id).filter((id) => id !== old.id));
  });

  it('answers the schema an analyst may read, with the models’ descriptions', async () => {
    const r = await as(ana, 'GET', '/sql/schema');
    expect(r.status, r.text).toBe(200);
    expect(r.body.nextCursor).toBeNull();
    const items = r.body.items as {
      schema: string;
      name: string;
      kind: string;
      description: string | null;
      columns: { name: string; type: string; description: string | null }[];
    }[];
    expect(items.find((i) => i.name === 'sql_numbers')).toEqual({
      schema: 'marts',
      name: 'sql_numbers',
      kind: 'table',
      description: null,
      columns: [{ name: 'n', type: 'BIGINT', description: null }],
    });
    const mart = items.find((i) => i.schema === 'marts' && i.name === 'mart_sales_daily')!;
    const model = loadProject().models.get('mart_sales_daily')!;
    expect(mart.description).toBe(model.config.description);
    expect(mart.description).toMatch(/Sales per day/);
    expect(mart.columns).toEqual([
      { name: 'date_day', type: 'DATE', description: model.config.columns.date_day ?? null },
      { name: 'key', type: 'VARCHAR', description: model.config.columns.key },
      { name: 'revenue', type: 'DECIMAL(18,2)', description: model.config.columns.revenue ?? null },
    ]);
    expect(mart.columns[1]!.description).toMatch(/the id \(or country\) as text/);
    // meta is the engine's bookkeeping, not for analysts; DuckDB's catalog views are not listed.
    expect(
      items.filter((i) => !['marts', 'raw', 'core', 'staging', 'ops'].includes(i.schema)),
    ).toEqual([]);
  });

  describe('the warehouse', () => {
    it('never receives the saved queries or the history, nor any SQL text in them', async () => {
      expect(tableDenial('sql_saved_queries')).toMatch(/SQL text/);
      expect(tableDenial('sql_history')).toMatch(/SQL text/);
      const q = (await save(ana, { name: 'For the ingest', sql: `SELECT '${marker}' AS m` })).body;
      expect((await as(ana, 'POST', `/sql/saved/${q.id}/run`, {})).status).toBe(200);
      const counts = await env.ops.db
        .selectFrom('sql_history')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('sql', 'like', `%${marker}%`)
        .executeTakeFirstOrThrow();
      expect(Number(counts.n)).toBeGreaterThanOrEqual(2);

      const r = await runIngest(env.ops, env.warehouse, {
        tempDir: env.config.ingestTempDir,
        safetyLagMs: 0,
      });
      const copied = r.tables.map((t) => t.table);
      expect(copied).toEqual(expect.arrayContaining(['users', 'audit_log']));
      expect(copied).not.toContain('sql_saved_queries');
      expect(copied).not.toContain('sql_history');

      const tables = await duckRows(
        env.warehouse,
        `SELECT schema_name, table_name FROM duckdb_tables() ORDER BY ALL`,
      );
      expect(tables.length).toBeGreaterThan(10);
      expect(tables.filter((t) => /^sql_(saved|history)/.test(String(t.table_name)))).toEqual([]);
      const leaks: string[] = [];
      for (const t of tables) {
        const rows = await duckRows(
          env.warehouse,
          `SELECT * FROM "${String(t.schema_name)}"."${String(t.table_name)}"`,
        );
        if (JSON.stringify(rows).includes(marker))
          leaks.push(`${String(t.schema_name)}.${String(t.table_name)}`);
      }
      expect(leaks).toEqual([]);
    });
  });
});

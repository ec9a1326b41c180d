/**
 * psql's catalog commands over the wire (sqlwire/catalog.ts), with the real psql on marts built
 * by the real models: `\dt` lists the marts, `\dt marts.*` and `\dv` filter, `\d table` shows
 * its columns in PostgreSQL's type names, a name that is not there says so, and `\d+` is
 * refused with what to use instead. Every answer ran through the guard and is in the history.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBoth } from './support/harness.ts';
import { withConnection } from './support/raw-tables.ts';
import { buildFixtureMarts, loadSalesFixture } from './support/warehouse-fixtures.ts';
import { psql, startWireEnv } from './support/sqlwire.ts';

const MARTS = [
  'mart_activities',
  'mart_customer_rfm',
  'mart_customer_value',
  'mart_inventory_health',
  'mart_opportunities',
  'mart_sales_daily',
  'mart_sales_lines',
  'mart_sales_monthly',
  'mart_stock_movements',
  'mart_team_performance',
];

describeBoth('psql catalog commands over the wire', (kind) => {
  let w: Awaited<ReturnType<typeof startWireEnv>>;
  const run = (...commands: string[]) =>
    psql(
      w.wire,
      'key',
      w.env.keys.analyst,
      commands.flatMap((c) => ['-c', c]),
    );

  beforeAll(async () => {
    w = await startWireEnv(kind);
    await withConnection(w.env.warehouse, loadSalesFixture);
    await buildFixtureMarts(w.env.warehouse);
    await withConnection(w.env.warehouse, (c) =>
      c.run(`CREATE SCHEMA IF NOT EXISTS meta;
        CREATE TABLE IF NOT EXISTS meta.hidden_from_analysts (x INTEGER);
        CREATE VIEW marts.wire_view AS SELECT 1 AS one`),
    );
  });
  afterAll(async () => {
    await w?.close();
  });

  it('\\dt lists the marts (and no schema analysts cannot read)', async () => {
    const r = await run('\\pset format unaligned', '\\dt');
    expect(r.stderr).toBe('');
    const rows = r.stdout.split('\n').filter((l) => l.includes('|'));
    expect(rows[0]).toBe('Schema|Name|Type|Owner');
    const marts = rows.filter((l) => l.startsWith('marts|')).map((l) => l.split('|')[1]);
    expect(marts).toEqual(MARTS);
    expect(rows).toContain('raw|orders|table|salesops');
    expect(r.stdout).not.toMatch(/meta|hidden_from_analysts|wire_view/);
  });

  it('\\dt with a pattern and \\dv filter by schema, name and kind', async () => {
    const r = await run('\\pset format unaligned', '\\dt marts.mart_sales_*', '\\dv marts.*');
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').filter((l) => l.startsWith('marts|'))).toEqual([
      'marts|mart_sales_daily|table|salesops',
      'marts|mart_sales_lines|table|salesops',
      'marts|mart_sales_monthly|table|salesops',
      'marts|wire_view|view|salesops',
    ]);
  });

  it('\\d table shows its columns with PostgreSQL type names', async () => {
    const r = await run('\\d marts.mart_sales_monthly');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/Table "marts\.mart_sales_monthly"/);
    expect(r.stdout).toMatch(/ revenue +\| numeric\(\d+,\d+\) +\|/);
    expect(r.stdout).toMatch(/ month_start +\| date +\|/);
    // Without a schema: every schema analysts read is looked in.
    const bare = await run('\\d mart_sales_monthly');
    expect(bare.stdout).toMatch(/Table "marts\.mart_sales_monthly"/);
    const view = await run('\\d marts.wire_view');
    expect(view.stdout).toMatch(/View "marts\.wire_view"[\s\S]* one +\| integer/);
  });

  it('says when \\d finds nothing, and refuses \\d+ with what to use instead', async () => {
    const missing = await run('\\d marts.not_there');
    expect(missing.stderr).toMatch(/Did not find any relation named "marts\.not_there"/);
    const hidden = await run('\\d meta.hidden_from_analysts');
    expect(hidden.stderr).toMatch(/Did not find any relation/);
    const plus = await run('\\d+ marts.mart_sales_monthly');
    expect(plus.code).not.toBe(0);
    expect(plus.stderr).toMatch(/\\d\+ is not answered by this server: use \\d/);
  });

  it('records what ran for a catalog command in the history', async () => {
    await run('\\dt marts.mart_team_*');
    const rows = await w.env.ops.db
      .selectFrom('sql_history')
      .select(['sql', 'status'])
      .where('format', '=', 'pgwire')
      .where('sql', 'like', '%duckdb_tables()%mart_team_%')
      .execute();
    expect(rows).toEqual([{ sql: expect.stringMatching(/^SELECT rel\.schema_name/), status: 200 }]);
  });
});

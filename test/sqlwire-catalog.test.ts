/**
 * psql's catalog commands over the wire (sqlwire/catalog.ts, catalog-lists.ts), with the real
 * psql on marts built by the real models: `\dt` lists the marts, `\dt marts.*` and `\dv`
 * filter, `\d table` shows its columns in PostgreSQL's type names, a name that is not there says
 * so; `\d+` and `\dt+` add the models' descriptions, `\l` lists the database connected to,
 * `\dn` the schemas analysts read, `\df` no functions. Every answer ran through the guard and is
 * in the history.
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

/** psql's aligned output, line by line, without the padding it leaves at line ends. */
const printed = (stdout: string) =>
  stdout
    .trimEnd()
    .split('\n')
    .map((l) => l.trimEnd());

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

  it('says when \\d or \\d+ finds nothing', async () => {
    const missing = await run('\\d marts.not_there');
    expect(missing.stderr).toMatch(/Did not find any relation named "marts\.not_there"/);
    const hidden = await run('\\d+ meta.hidden_from_analysts');
    expect(hidden.stderr).toMatch(/Did not find any relation named "meta\.hidden_from_analysts"/);
  });

  it('\\d+ table adds storage, compression, statistics target and the model descriptions', async () => {
    const r = await run('\\d+ core.dim_customers');
    expect(r.stderr).toBe('');
    const lines = printed(r.stdout);
    expect(lines[0]).toMatch(/^ +Table "core\.dim_customers"$/);
    expect(lines[1]).toMatch(
      /^ +Column +\| +Type +\| Collation \| Nullable \| Default \| Storage \| Compression \| Stats target \| +Description$/,
    );
    // @column in models/core/dim_customers.sql's header; a column without one is blank.
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^ owner_team_id +\| bigint +\| +\| +\| +\| plain +\| +\| +\| the team of the owner rep now$/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^ customer_id +\| bigint +\| +\| +\| +\| plain +\| +\| +\|$/),
    );
    expect(lines.at(-1)).toBe('Access method: duckdb');
  });

  it('\\d+ view shows its columns and its definition', async () => {
    const r = await run('\\d+ marts.wire_view');
    expect(r.stderr).toBe('');
    expect(printed(r.stdout)).toEqual([
      '                          View "marts.wire_view"',
      ' Column |  Type   | Collation | Nullable | Default | Storage | Description',
      '--------+---------+-----------+----------+---------+---------+-------------',
      ' one    | integer |           |          |         | plain   |',
      'View definition:',
      'SELECT 1 AS one;',
    ]);
  });

  it('\\dt+ adds persistence, access method, size and the model description', async () => {
    const r = await run('\\pset format unaligned', '\\dt+ marts.mart_sales_monthly');
    expect(r.stderr).toBe('');
    const rows = r.stdout.split('\n').filter((l) => l.includes('|'));
    expect(rows[0]).toBe('Schema|Name|Type|Owner|Persistence|Access method|Size|Description');
    expect(rows[1]).toMatch(
      /^marts\|mart_sales_monthly\|table\|salesops\|permanent\|duckdb\|\|Sales per month, /,
    );
    // \dp asks other columns of the same list: each gets its own (no privileges: empty).
    const dp = await run('\\pset format unaligned', '\\dp marts.wire_view', '\\di');
    expect(dp.stdout.split('\n').filter((l) => l.includes('|'))).toEqual([
      'Schema|Name|Type|Access privileges|Column privileges|Policies',
      'marts|wire_view|view|||',
    ]);
    expect(dp.stderr).toMatch(/Did not find any relations/);
  });

  it('\\l lists the database the client connected to', async () => {
    const r = await run('\\l');
    expect(r.stderr).toBe('');
    expect(printed(r.stdout)).toEqual([
      '                                          List of databases',
      '   Name    |  Owner   | Encoding | Collate | Ctype | ICU Locale | Locale Provider | Access privileges',
      '-----------+----------+----------+---------+-------+------------+-----------------+-------------------',
      ' warehouse | salesops | UTF8     | C       | C     |            | libc            |',
      '(1 row)',
    ]);
    // Any name reaches the same warehouse; \l says the one given (a later -d wins in psql).
    const named = await run('\\pset format unaligned', '\\l+');
    expect(named.stdout).toMatch(
      /^warehouse\|salesops\|UTF8\|C\|C\|\|libc\|\|\|pg_default\|the salesops warehouse/m,
    );
    const other = await psql(w.wire, 'key', w.env.keys.analyst, [
      '-d',
      'salesops',
      '-A',
      '-c',
      '\\l sales*',
    ]);
    expect(other.stdout).toMatch(/^salesops\|salesops\|UTF8\|/m);
    expect((await run('\\l other')).stdout).toMatch(/\(0 rows\)/);
  });

  it('\\dn lists the schemas analysts read; \\dnS and a pattern the catalog ones too', async () => {
    const r = await run('\\dn');
    expect(r.stderr).toBe('');
    expect(printed(r.stdout)).toEqual([
      '  List of schemas',
      '  Name   |  Owner',
      '---------+----------',
      ' core    | salesops',
      ' marts   | salesops',
      ' raw     | salesops',
      ' staging | salesops',
      '(4 rows)',
    ]);
    const system = await run('\\pset format unaligned', '\\dnS', '\\dn m*', '\\dn+ pg_*');
    expect(system.stderr).toBe('');
    expect(system.stdout.split('\n').filter((l) => l.includes('|'))).toEqual([
      'Name|Owner',
      'core|salesops',
      'information_schema|salesops',
      'marts|salesops',
      'pg_catalog|salesops',
      'raw|salesops',
      'staging|salesops',
      'Name|Owner',
      'marts|salesops',
      'Name|Owner|Access privileges|Description',
      'pg_catalog|salesops||',
    ]);
    expect(system.stdout).not.toMatch(/meta/);
  });

  it('\\df lists no functions: the warehouse has none of its own', async () => {
    const r = await run('\\df', '\\df+ sum');
    expect(r.stderr).toBe('');
    const lines = printed(r.stdout);
    expect(lines.slice(0, 5)).toEqual([
      '                       List of functions',
      ' Schema | Name | Result data type | Argument data types | Type',
      '--------+------+------------------+---------------------+------',
      '(0 rows)',
      '',
    ]);
    expect(lines[6]).toMatch(/^ Schema \| Name \| .* \| Volatility \| .* \| Description$/);
    expect(lines).toContain('(0 rows)');
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
    // \dt+'s descriptions are written into what ran: the listed schemas' only.
    await run('\\dt+ core.dim_reps');
    const [described] = await w.env.ops.db
      .selectFrom('sql_history')
      .select('sql')
      .where('format', '=', 'pgwire')
      .where('sql', 'like', '%^(dim_reps)$%')
      .execute();
    expect(described!.sql).toContain("WHEN 'core.dim_reps' THEN 'One row per sales rep");
    expect(described!.sql).toContain("WHEN 'marts.mart_sales_monthly' THEN");
    expect(described!.sql).not.toMatch(/WHEN 'intermediate\./);
    await run('\\l ware*');
    const databases = await w.env.ops.db
      .selectFrom('sql_history')
      .select(['sql', 'status'])
      .where('format', '=', 'pgwire')
      .where('sql', 'like', "%VALUES ('warehouse')%^(ware.*)$%")
      .execute();
    expect(databases).toEqual([
      { sql: expect.stringMatching(/^SELECT d\.name AS "Name"/), status: 200 },
    ]);
  });
});

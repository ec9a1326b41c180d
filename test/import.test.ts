/** `salesops import DIR` on both databases: upserts, re-runs, bad rows, --skip-bad-rows, CLI. */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { importDirectory } from '../ingest/import/import.ts';
import { readCsv } from '../ingest/import/csv.ts';
import { checkCell } from '../ingest/import/specs.ts';
import type { OperationalDb } from '../db/operational.ts';
import { describeBoth, openTestDb, tempDir } from './support/harness.ts';

const run = promisify(execFile);

function folder(files: Record<string, string>): string {
  const dir = tempDir('salesops-import-');
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

const GOOD = {
  'categories.csv': '\uFEFFname\r\nTools\r\n"Garden, outdoor"\r\n',
  'customers.csv':
    'code,name,email,phone,city,country,customer_group,credit_limit\n' +
    'ACME,"Acme ""Best"" Ltd",buy@acme.test,,Lyon,FR,wholesale,5000.00\n' +
    'BOB,Bob,,,,,,\n',
  'teams.csv': 'name\nNorth\n',
  'reps.csv': 'code,name,email,team\nR1,Rita,rita@x.test,North\nR2,Ray,,\n',
  'products.csv':
    'sku,name,category,list_price,cost\nHAM,"Hammer\nwith a two-line name",Tools,12.5,6.25\nRAKE,Rake,"Garden, outdoor",20,\n',
  'orders.csv':
    'number,customer_code,rep_code,ordered_at,status,shipped_at\n' +
    'H-1,ACME,R1,2024-03-01,delivered,2024-03-03T10:00:00Z\n' +
    'H-2,BOB,,2024-04-15T09:30:00+02:00,cancelled,\n',
  'order_lines.csv':
    'order_number,sku,quantity,unit_price,discount\nH-1,HAM,3,0.3333,0.5\nH-1,RAKE,1,19.99,\nH-2,HAM,2,12.5,.1\n',
};

describeBoth('import', (kind) => {
  let ops: OperationalDb;
  let dispose: () => Promise<void>;
  const dataDir = tempDir();
  beforeAll(async () => {
    ({ ops, dispose } = await openTestDb(kind, dataDir));
  });
  afterAll(async () => {
    await dispose?.();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const count = async (table: string) =>
    Number(
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(ops.db))
        .rows[0]!.n,
    );

  it('imports every file in order, keeping dates, prices and status, moving no stock', async () => {
    const lines: string[] = [];
    const r = await importDirectory(ops, folder(GOOD), { progress: (l) => lines.push(l) });
    expect(r.badRows).toEqual([]);
    expect(r.committed).toBe(true);
    expect(r.files.map((f) => [f.file, f.inserted])).toEqual([
      ['categories.csv', 2],
      ['customers.csv', 2],
      ['teams.csv', 1],
      ['reps.csv', 2],
      ['products.csv', 2],
      ['orders.csv', 2],
      ['order_lines.csv', 3],
    ]);
    expect(lines.some((l) => l.includes('order_lines.csv'))).toBe(true);
    const acme = await ops.db
      .selectFrom('customers')
      .selectAll()
      .where('code', '=', 'ACME')
      .executeTakeFirstOrThrow();
    expect(acme).toMatchObject({
      name: 'Acme "Best" Ltd',
      credit_limit: '5000.00',
      phone: null,
      customer_group: 'wholesale',
    });
    const ham = await ops.db
      .selectFrom('products')
      .selectAll()
      .where('sku', '=', 'HAM')
      .executeTakeFirstOrThrow();
    expect(ham.name).toBe('Hammer\nwith a two-line name');
    const h1 = await ops.db
      .selectFrom('orders')
      .selectAll()
      .where('number', '=', 'H-1')
      .executeTakeFirstOrThrow();
    expect(h1).toMatchObject({
      status: 'delivered',
      source: 'import',
      subtotal: '20.99',
      total: '20.49',
    });
    expect(h1.ordered_at.toISOString()).toBe('2024-03-01T00:00:00.000Z');
    expect(h1.shipped_at?.toISOString()).toBe('2024-03-03T10:00:00.000Z');
    const h2 = await ops.db
      .selectFrom('orders')
      .selectAll()
      .where('number', '=', 'H-2')
      .executeTakeFirstOrThrow();
    expect(h2.ordered_at.toISOString()).toBe('2024-04-15T07:30:00.000Z');
    expect(h2.total).toBe('22.50');
    const l = await ops.db
      .selectFrom('order_lines')
      .selectAll()
      .where('order_id', '=', h1.id)
      .orderBy('line_no')
      .execute();
    expect(l.map((x) => [x.line_no, x.unit_price, x.discount, x.line_total, x.unit_cost])).toEqual([
      [1, '0.3333', '0.5000', '0.50', '6.2500'],
      [2, '19.9900', '0.0000', '19.99', null],
    ]);
    expect(await count('stock_movements')).toBe(0);
    expect(await count('product_price_history')).toBe(2);
    const stages = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name LIKE 'import\\_%'`.execute(
      ops.db,
    );
    expect(stages.rows[0]!.n).toBe(0);
  });

  it('re-running is safe: nothing changes; a changed price updates one row and its history', async () => {
    const again = await importDirectory(ops, folder(GOOD));
    expect(again.files.every((f) => f.inserted === 0 && f.updated === 0)).toBe(true);
    const changed = await importDirectory(
      ops,
      folder({
        'products.csv': 'sku,name,category,list_price,cost\nHAM,Hammer,Tools,13.00,6.25\n',
      }),
    );
    expect(changed.files[0]).toMatchObject({ inserted: 0, updated: 1 });
    expect(await count('product_price_history')).toBe(3);
  });

  it('imports a returned order as returned whole, and follows a later change of status', async () => {
    const orders = (status: string) =>
      'number,customer_code,rep_code,ordered_at,status,shipped_at\n' +
      `H-R,ACME,,2024-06-01,${status},2024-06-02\n`;
    const first = await importDirectory(
      ops,
      folder({
        'orders.csv': orders('returned'),
        'order_lines.csv':
          'order_number,sku,quantity,unit_price,discount\nH-R,HAM,2,10,0.1\nH-R,RAKE,1,5,\n',
      }),
    );
    expect(first.badRows).toEqual([]);
    const read = async () => {
      const o = await ops.db
        .selectFrom('orders')
        .selectAll()
        .where('number', '=', 'H-R')
        .executeTakeFirstOrThrow();
      const lines = await ops.db
        .selectFrom('order_lines')
        .select(['quantity', 'returned_quantity'])
        .where('order_id', '=', o.id)
        .orderBy('line_no')
        .execute();
      return { o, lines: lines.map((l) => [l.quantity, l.returned_quantity]) };
    };
    // Gross 25.00, net 23.00 (2 × 10 × 0.9 + 5), all of it back: total 0, as after a full return.
    let r = await read();
    expect(r.o).toMatchObject({
      status: 'returned',
      subtotal: '25.00',
      discount_total: '2.00',
      returned_total: '23.00',
      total: '0.00',
    });
    expect(r.lines).toEqual([
      [2, 2],
      [1, 1],
    ]);
    expect(await count('stock_movements')).toBe(0);
    // orders.csv alone can change the status; the existing lines follow it.
    const delivered = await importDirectory(ops, folder({ 'orders.csv': orders('delivered') }));
    expect(delivered.files[0]).toMatchObject({ inserted: 0, updated: 1 });
    r = await read();
    expect(r.o).toMatchObject({ status: 'delivered', returned_total: '0.00', total: '23.00' });
    expect(r.lines).toEqual([
      [2, 0],
      [1, 0],
    ]);
    await importDirectory(ops, folder({ 'orders.csv': orders('returned') }));
    expect((await read()).o).toMatchObject({ returned_total: '23.00', total: '0.00' });
  });

  it('a re-imported order takes the file’s lines: changed ones updated, extra ones removed', async () => {
    const h1 = async () => {
      const o = await ops.db
        .selectFrom('orders')
        .selectAll()
        .where('number', '=', 'H-1')
        .executeTakeFirstOrThrow();
      const lines = await ops.db
        .selectFrom('order_lines')
        .select(['line_no', 'quantity', 'unit_price', 'line_total'])
        .where('order_id', '=', o.id)
        .orderBy('line_no')
        .execute();
      return { o, lines: lines.map((l) => [l.line_no, l.quantity, l.unit_price, l.line_total]) };
    };
    const fewer = await importDirectory(
      ops,
      folder({
        'order_lines.csv': 'order_number,sku,quantity,unit_price,discount\nH-1,RAKE,2,19.99,\n',
      }),
    );
    expect(fewer.files[0]).toMatchObject({ inserted: 0, updated: 1 });
    let r = await h1();
    expect(r.lines).toEqual([[1, 2, '19.9900', '39.98']]);
    expect(r.o).toMatchObject({ subtotal: '39.98', discount_total: '0.00', total: '39.98' });

    const back = await importDirectory(ops, folder({ 'order_lines.csv': GOOD['order_lines.csv'] }));
    expect(back.files[0]).toMatchObject({ inserted: 1, updated: 1 });
    r = await h1();
    expect(r.lines).toEqual([
      [1, 3, '0.3333', '0.50'],
      [2, 1, '19.9900', '19.99'],
    ]);
    expect(r.o).toMatchObject({ subtotal: '20.99', discount_total: '0.50', total: '20.49' });
  });

  it('moves the API’s order numbers past imported ones that match its pattern', async () => {
    const r = await importDirectory(
      ops,
      folder({
        'orders.csv':
          'number,customer_code,rep_code,ordered_at,status,shipped_at\n' +
          'SO-000001,BOB,,2024-05-01,delivered,2024-05-02\n' +
          'SO-001234,BOB,,2024-05-01,delivered,2024-05-02\n',
      }),
    );
    expect(r.committed).toBe(true);
    const next = await sql<{ n: string }>`SELECT nextval('order_number_seq')::text AS n`.execute(
      ops.db,
    );
    expect(Number(next.rows[0]!.n)).toBeGreaterThan(1234);
  });

  it('a file with bad rows imports nothing and names file, line and reason', async () => {
    const before = [await count('customers'), await count('orders'), await count('order_lines')];
    const bad = folder({
      'customers.csv':
        'code,name,email,phone,city,country,customer_group,credit_limit\n' +
        'NEW1,New one,,,,,,\n' +
        'NEW2,,,,,,,\n' +
        'NEW3,Three,not-an-email,,,,,\n' +
        'NEW1,Again,,,,,,\n' +
        'NEW4,Four,,,,,,-5\n' +
        'NEW5,Five\n' +
        'NEW6,Six,,,,Germany,,\n' +
        'NEW7,Seven,,,,nl,vip,\n',
      'orders.csv':
        'number,customer_code,rep_code,ordered_at,status,shipped_at\n' +
        'H-3,NOBODY,,2024-05-01,shipped,\n' +
        'H-4,ACME,,yesterday,shipped,\n' +
        'H-5,ACME,,2024-05-01,lost,\n' +
        'H-6,NEW1,,2024-05-01,confirmed,\n' +
        'H-7,ACME,,2024-02-30,shipped,\n',
      'order_lines.csv':
        'order_number,sku,quantity,unit_price,discount\nH-6,HAM,0,1,\nH-6,NOPE,1,1,\nH-6,HAM,2,1,1.5\nH-6,HAM,1,1,\n',
    });
    const r = await importDirectory(ops, bad);
    expect(r.committed).toBe(false);
    expect(r.badRows.map((b) => `${b.file}:${b.line}`)).toEqual([
      'customers.csv:3',
      'customers.csv:4',
      'customers.csv:5',
      'customers.csv:6',
      'customers.csv:7',
      'customers.csv:8',
      'customers.csv:9',
      'orders.csv:2',
      'orders.csv:3',
      'orders.csv:4',
      'orders.csv:6',
      'order_lines.csv:2',
      'order_lines.csv:3',
      'order_lines.csv:4',
    ]);
    const reasons = Object.fromEntries(r.badRows.map((b) => [`${b.file}:${b.line}`, b.reason]));
    expect(reasons['customers.csv:3']).toBe('name is required');
    expect(reasons['customers.csv:5']).toMatch(/code NEW1 repeats line 2/);
    expect(reasons['customers.csv:7']).toMatch(/expected 8 cells, found 2/);
    expect(reasons['customers.csv:8']).toMatch(
      /^country: not an ISO 3166 country code.*: Germany$/,
    );
    expect(reasons['customers.csv:9']).toMatch(
      /^customer_group: not a customer group \(retail, wholesale, key_account\): vip$/,
    );
    expect(reasons['orders.csv:2']).toBe('unknown customer NOBODY');
    expect(reasons['orders.csv:6']).toBe('ordered_at: not a date that exists: 2024-02-30');
    expect(reasons['order_lines.csv:3']).toBe('unknown product NOPE');
    expect([await count('customers'), await count('orders'), await count('order_lines')]).toEqual(
      before,
    );

    const skipped = await importDirectory(ops, bad, { skipBadRows: true });
    expect(skipped.committed).toBe(true);
    expect(skipped.badRows).toHaveLength(14);
    const h6 = await ops.db
      .selectFrom('orders')
      .selectAll()
      .where('number', '=', 'H-6')
      .executeTakeFirstOrThrow();
    expect(h6.total).toBe('1.00');
    expect(await count('customers')).toBe(before[0]! + 1);
  });

  it('refuses a NUL character in a text cell as a bad row naming file, line and column', async () => {
    const before = [await count('customers'), await count('products')];
    const r = await importDirectory(
      ops,
      folder({
        'customers.csv':
          'code,name,email,phone,city,country,customer_group,credit_limit\n' +
          'NUL1,Good,,,,,,\nNUL2,"Ba\u0000d",,,,,,\n',
        'products.csv': 'sku,name,category,list_price,cost\nNUL-\u0000SKU,Widget,,1.00,\n',
      }),
    );
    expect(r.committed).toBe(false);
    expect(r.badRows).toEqual([
      { file: 'customers.csv', line: 3, reason: 'name: must not contain the NUL character' },
      { file: 'products.csv', line: 2, reason: 'sku: must not contain the NUL character' },
    ]);
    expect([await count('customers'), await count('products')]).toEqual(before);
  });

  it('reports a missing column and a missing folder plainly', async () => {
    const r = await importDirectory(ops, folder({ 'teams.csv': 'title\nX\n' }));
    expect(r.badRows).toEqual([{ file: 'teams.csv', line: 1, reason: 'missing column(s): name' }]);
    expect(r.committed).toBe(false);
    await expect(importDirectory(ops, '/nonexistent/dir')).rejects.toThrow(/not a folder/);
    await expect(importDirectory(ops, tempDir())).rejects.toThrow(/no importable files/);
  });

  if (kind === 'embedded') {
    it('runs as `salesops import DIR` and exits 1 with nothing imported on bad rows', async () => {
      const data = tempDir();
      const env = {
        ...process.env,
        SALESOPS_DATA_DIR: data,
        DATABASE_URL: '',
        LOG_LEVEL: 'silent',
      };
      const ok = await run('npx', ['tsx', 'cli.ts', 'import', folder(GOOD)], { env });
      expect(ok.stdout).toMatch(/order_lines.csv: 3 rows, 3 inserted/);
      expect(ok.stdout).toMatch(/imported in one transaction/);
      const bad = folder({ 'teams.csv': 'name\n\n"x\n' });
      const failed = await run('npx', ['tsx', 'cli.ts', 'import', bad], { env }).catch((e) => e);
      expect(failed.code).toBe(1);
      const failed2 = await run(
        'npx',
        ['tsx', 'cli.ts', 'import', folder({ 'teams.csv': 'name,extra\nA\n' })],
        {
          env,
        },
      ).catch((e) => e);
      expect(failed2.code).toBe(1);
      expect(failed2.stdout).toMatch(/bad row teams.csv:2: expected 2 cells, found 1/);
      expect(failed2.stdout).toMatch(/nothing imported \(the run is one transaction\)/);
      fs.rmSync(data, { recursive: true, force: true });
      // Three CLI processes each boot PGlite and migrate (~12 s each alone, far more on a busy box).
    }, 300_000);
  }
});

it('reads quoted CSV with commas, quotes, newlines and CRLF', async () => {
  const dir = folder({ 'x.csv': 'a,b\r\n"1,2","say ""hi"""\r\n"multi\nline",\n\nlast,x' });
  const records: { line: number; cells: string[] }[] = [];
  for await (const r of readCsv(path.join(dir, 'x.csv'))) records.push(r);
  expect(records).toEqual([
    { line: 1, cells: ['a', 'b'] },
    { line: 2, cells: ['1,2', 'say "hi"'] },
    { line: 3, cells: ['multi\nline', ''] },
    { line: 6, cells: ['last', 'x'] },
  ]);
});

it('reads dates and times by the API rule, a time without an offset being UTC', () => {
  const instant = (text: string) => checkCell('instant', text);
  expect(instant('2024-03-01')).toEqual({ ok: '2024-03-01T00:00:00.000Z' });
  expect(instant('2024-03-01 10:00:00')).toEqual({ ok: '2024-03-01T10:00:00.000Z' });
  expect(instant('2024-03-01T10:00:00.123456789+02:00')).toEqual({
    ok: '2024-03-01T08:00:00.123Z',
  });
  for (const impossible of ['2024-02-30T10:00:00Z', '2024-03-01T24:00', '2024-03-01T10:00+19:00'])
    expect(instant(impossible)).toEqual({ error: `not a date that exists: ${impossible}` });
  expect(instant('01/03/2024')).toEqual({ error: 'not an ISO date or timestamp: 01/03/2024' });
});

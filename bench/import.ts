/**
 * Import benchmark: writes a synthetic history (1,000 customers, 2,000 products, 200,000 orders,
 * 1,000,000 order lines by default) and runs `importDirectory` on it, then COPYs the same
 * order_lines.csv raw into an unindexed table as the baseline, and prints both and their ratio.
 *
 *   DATABASE_URL=postgres://… npx tsx bench/import.ts [lines]
 * Without DATABASE_URL it uses a fresh database on TEST_PG_URL's cluster (dropped afterwards).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { migrateToLatest } from '../db/migrate.ts';
import { openPostgres } from '../db/postgres.ts';
import { importDirectory } from '../ingest/import/import.ts';
import { createTestDatabase } from '../test/support/postgres.ts';

const LINES = Number(process.argv[2] ?? 1_000_000);
const ORDERS = Math.max(1, Math.round(LINES / 5));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'salesops-import-bench-'));

function write(name: string, header: string, rows: (i: number) => string, n: number) {
  const fd = fs.openSync(path.join(dir, name), 'w');
  let buf = header + '\n';
  for (let i = 0; i < n; i++) {
    buf += rows(i) + '\n';
    if (buf.length > 1 << 20) {
      fs.writeSync(fd, buf);
      buf = '';
    }
  }
  fs.writeSync(fd, buf);
  fs.closeSync(fd);
}

write('categories.csv', 'name', (i) => `Category ${i}`, 20);
write('teams.csv', 'name', (i) => `Team ${i}`, 5);
write('reps.csv', 'code,name,email,team', (i) => `R${i},Rep ${i},r${i}@x.test,Team ${i % 5}`, 50);
write(
  'customers.csv',
  'code,name,email,phone,city,country,customer_group,credit_limit',
  (i) =>
    `C${i},"Customer ${i}, Ltd",c${i}@x.test,,City,FR,${i % 3 ? 'retail' : 'wholesale'},10000.00`,
  1000,
);
write(
  'products.csv',
  'sku,name,category,list_price,cost',
  (i) =>
    `SKU${i},Product ${i},Category ${i % 20},${(i % 500) + 1}.99,${Math.floor((i % 500) / 2)}.25`,
  2000,
);
const day = (i: number) =>
  new Date(Date.UTC(2023, 0, 1) + (i % 730) * 86_400_000).toISOString().slice(0, 10);
write(
  'orders.csv',
  'number,customer_code,rep_code,ordered_at,status,shipped_at',
  (i) => `H${i},C${i % 1000},R${i % 50},${day(i)},delivered,${day(i + 2)}`,
  ORDERS,
);
write(
  'order_lines.csv',
  'order_number,sku,quantity,unit_price,discount',
  (i) =>
    `H${Math.floor(i / 5)},SKU${(i * 7) % 2000},${(i % 9) + 1},${(i % 300) + 1}.5,${i % 4 ? '' : '0.05'}`,
  LINES,
);

const target = process.env.DATABASE_URL ? undefined : await createTestDatabase('salesops_bench');
const ops = await openPostgres(process.env.DATABASE_URL ?? target!.url);
try {
  await migrateToLatest(ops.db);
  const phases = new Map<string, number>();
  const t0 = Date.now();
  const report = await importDirectory(ops, dir, {
    progress: (l) => console.error(l),
    onPhase: (phase, ms) => phases.set(phase, (phases.get(phase) ?? 0) + ms),
  });
  const importSeconds = (Date.now() - t0) / 1000;
  if (!report.committed) throw new Error(`bad rows: ${JSON.stringify(report.badRows.slice(0, 5))}`);
  const total = report.files.reduce((s, f) => s + f.rows, 0);

  await sql`CREATE UNLOGGED TABLE bench_raw_lines (order_number text, sku text, quantity int, unit_price numeric, discount numeric)`.execute(
    ops.db,
  );
  const t1 = Date.now();
  await ops.copyFromCsv(
    'bench_raw_lines',
    ['order_number', 'sku', 'quantity', 'unit_price', 'discount'],
    (async function* () {
      const text = fs.readFileSync(path.join(dir, 'order_lines.csv'), 'utf8');
      yield text.slice(text.indexOf('\n') + 1);
    })(),
  );
  const rawSeconds = (Date.now() - t1) / 1000;
  await sql`DROP TABLE bench_raw_lines`.execute(ops.db);
  console.log(
    `import: ${total.toLocaleString('en')} CSV rows (${LINES.toLocaleString('en')} order lines) in ${importSeconds.toFixed(1)} s on ${ops.description}`,
  );
  // Steps under 50 ms are summed into one row so the table shows where the time goes.
  let small = 0;
  for (const [phase, ms] of phases) {
    if (ms < 50) small += ms;
    else
      console.log(
        `  ${phase.padEnd(52)} ${(ms / 1000).toFixed(2).padStart(7)} s ${((ms / 10 / importSeconds) | 0).toString().padStart(3)} %`,
      );
  }
  console.log(`  ${'(steps under 50 ms)'.padEnd(52)} ${(small / 1000).toFixed(2).padStart(7)} s`);
  console.log(`raw COPY of order_lines.csv alone: ${rawSeconds.toFixed(1)} s`);
  console.log(`ratio raw COPY / full import: ${(rawSeconds / importSeconds).toFixed(2)}`);
} finally {
  await ops.close();
  await target?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
}

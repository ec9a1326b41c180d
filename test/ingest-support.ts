/**
 * Shared by the ingest suites: a seed with the awkward values CSV must survive (quotes, commas,
 * newlines, '' next to NULL, unicode, arrays, JSON, composite and text keys), and a parity check
 * that compares PostgreSQL with the warehouse per table by count and by a checksum over every
 * copied column, canonicalised independently of the code under test.
 */
import { createHash } from 'node:crypto';
import type { OperationalDb } from '../db/operational.ts';
import { releaseFolderLock } from '../db/folder-lock.ts';
import type { Config } from '../config.ts';
import { openWarehouse, type Warehouse } from '../warehouse/duckdb.ts';

/** Insert a small but awkward data set (runs on PostgreSQL and PGlite alike). */
export async function seedIngestData(ops: OperationalDb, orders = 60): Promise<void> {
  await ops.pool.query(`
    INSERT INTO teams (name) VALUES ('North'), ('South, "quoted"');
    INSERT INTO sales_reps (code, name, email, team_id) VALUES
      ('R1', 'Ann Æsir', 'ann@example.com', 1), ('R2', E'Bob\\nNewline', NULL, 2);
    INSERT INTO customers (code, name, email, phone, city, credit_limit, tags, owner_rep_id) VALUES
      ('C1', 'Acme, Inc.', 'a@acme.test', '', 'Zürich', 50000.00, '{vip,"with space","a,b"}', 1),
      ('C2', E'Quote "Q" \\n Co', NULL, NULL, NULL, NULL, '{}', 2),
      ('C3', '', 'c3@x.test', '+1', 'Paris', 0.01, '{"quote\\"d"}', NULL);
    INSERT INTO contacts (customer_id, name, email) VALUES (1, 'Carl', 'carl@acme.test'), (2, 'Dee', NULL);
    INSERT INTO products (sku, name, list_price, cost)
      SELECT 'SKU' || g, 'Product ' || g, 10.5 + g, CASE WHEN g % 3 = 0 THEN NULL ELSE 4.25 + g END
      FROM generate_series(1, 20) g;
    INSERT INTO warehouses (code, name) VALUES ('W1', 'Main'), ('W2', 'Overflow');
    INSERT INTO stock_levels (product_id, warehouse_id, on_hand, reserved)
      SELECT p, w, 100 + p, p % 5 FROM generate_series(1, 20) p, generate_series(1, 2) w;
    INSERT INTO orders (number, customer_id, rep_id, status, subtotal, total, ordered_at)
      SELECT 'SO' || g, 1 + g % 3, 1 + g % 2,
             (ARRAY['draft','confirmed','shipped','delivered','cancelled'])[1 + g % 5],
             100.10 * g, 100.10 * g, timestamptz '2026-01-01 00:00:00.123456+00' + g * interval '1 day 1 hour'
      FROM generate_series(1, ${orders}) g;
    INSERT INTO order_lines (order_id, line_no, product_id, quantity, unit_price, discount, line_total, unit_cost)
      SELECT o, l, 1 + (o + l) % 20, 1 + l, 9.9999, 0.0500, (1 + l) * 9.9999 * 0.95, 4.1234
      FROM generate_series(1, ${orders}) o, generate_series(1, 4) l;
    INSERT INTO order_events (order_id, event_type, payload)
      SELECT g, 'order.created', jsonb_build_object('n', g, 'note', E'é "x"\\n', 'list', jsonb_build_array(1, 'two', null))
      FROM generate_series(1, ${orders}) g;`);
}

/** Count and checksum of one table on each side. */
export interface TableParity {
  table: string;
  source: { count: number; checksum: string };
  warehouse: { count: number; checksum: string };
}

/** Canonical JSON text (key order and spacing differ between the two engines). */
function canonical(value: string | null, json: boolean): string {
  if (value === null) return '∅';
  if (!json) return value;
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort((v as never)[k])]),
          )
        : v;
  return JSON.stringify(sort(JSON.parse(value)));
}

function checksum(rows: (string | null)[][], jsonColumns: boolean[]): string {
  const lines = rows.map((r) => r.map((v, i) => canonical(v, jsonColumns[i]!)).join('\u001f'));
  lines.sort();
  return createHash('sha256').update(lines.join('\u001e')).digest('hex').slice(0, 16);
}

/**
 * Compare every warehouse table in `raw` that PostgreSQL also has (or just `tables`), over the
 * columns the warehouse holds.
 */
export async function compareParity(
  ops: OperationalDb,
  warehouse: Warehouse,
  tables?: readonly string[],
): Promise<TableParity[]> {
  const conn = await warehouse.connect();
  try {
    const cols = (
      await conn.runAndReadAll(`
        SELECT table_name, column_name, data_type FROM duckdb_columns()
        WHERE schema_name = 'raw' AND table_name NOT LIKE '\\_%' ESCAPE '\\'
        ORDER BY table_name, column_index`)
    ).getRowObjectsJson() as { table_name: string; column_name: string; data_type: string }[];
    const names = [...new Set(cols.map((c) => c.table_name))].filter(
      (t) => !tables || tables.includes(t),
    );
    const out: TableParity[] = [];
    for (const table of names) {
      const own = cols.filter((c) => c.table_name === table);
      const q = (n: string) => `"${n.replace(/"/g, '""')}"`;
      const duckExpr = own.map((c) =>
        c.data_type === 'TIMESTAMP WITH TIME ZONE'
          ? `CAST(epoch_us(${q(c.column_name)}) AS VARCHAR)`
          : c.data_type.endsWith('[]')
            ? `CAST(to_json(${q(c.column_name)}) AS VARCHAR)`
            : `CAST(${q(c.column_name)} AS VARCHAR)`,
      );
      const pgExpr = own.map((c) =>
        c.data_type === 'TIMESTAMP WITH TIME ZONE'
          ? `(extract(epoch from ${q(c.column_name)}) * 1000000)::bigint::text`
          : c.data_type.endsWith('[]')
            ? `to_jsonb(${q(c.column_name)})::text`
            : `${q(c.column_name)}::text`,
      );
      const json = own.map((c) => c.data_type === 'JSON' || c.data_type.endsWith('[]'));
      const duckRows = (
        await conn.runAndReadAll(`SELECT ${duckExpr.join(', ')} FROM raw.${q(table)}`)
      ).getRows() as (string | null)[][];
      const pgRows = (
        await ops.pool.query({
          text: `SELECT ${pgExpr.join(', ')} FROM public.${q(table)}`,
          rowMode: 'array',
        })
      ).rows as (string | null)[][];
      out.push({
        table,
        source: { count: pgRows.length, checksum: checksum(pgRows, json) },
        warehouse: { count: duckRows.length, checksum: checksum(duckRows, json) },
      });
    }
    return out;
  } finally {
    conn.closeSync();
  }
}

/** Tables whose two sides differ (empty = parity). */
export function differences(parity: readonly TableParity[]): string[] {
  return parity
    .filter(
      (p) => p.source.count !== p.warehouse.count || p.source.checksum !== p.warehouse.checksum,
    )
    .map(
      (p) =>
        `${p.table}: source ${p.source.count} rows (${p.source.checksum}), ` +
        `warehouse ${p.warehouse.count} rows (${p.warehouse.checksum})`,
    );
}

/** Row and checksum per table on the warehouse side only (to prove a crash changed nothing). */
export async function warehouseFingerprint(
  ops: OperationalDb,
  warehouse: Warehouse,
): Promise<Record<string, string>> {
  const parity = await compareParity(ops, warehouse);
  return Object.fromEntries(
    parity.map((p) => [p.table, `${p.warehouse.count}:${p.warehouse.checksum}`]),
  );
}

/** Open the warehouse of `config`, run `fn`, close it and free the data folder for others. */
export async function withWarehouse<T>(
  config: Config,
  fn: (w: Warehouse) => Promise<T>,
): Promise<T> {
  const w = await openWarehouse(config, 'test');
  try {
    return await fn(w);
  } finally {
    w.close();
    releaseFolderLock(config.dataDir);
  }
}

/** Query the warehouse, rows as JSON-friendly objects. */
export async function duckRows(
  warehouse: Warehouse,
  sql: string,
): Promise<Record<string, unknown>[]> {
  const conn = await warehouse.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
  }
}

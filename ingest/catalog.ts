/**
 * Which tables and columns to copy, read from information_schema at run time: other areas add
 * tables and columns through their own migrations, so nothing here names a table. Every base
 * table in `public` is a candidate; the deny-list (deny-list.ts) removes secrets.
 */
import { isColumnDenied, tableDenial } from './deny-list.ts';
import { planColumn, type ColumnPlan, type PgColumn } from './types.ts';

/** A table the ingest may copy. */
export interface SourceTable {
  name: string;
  /** Copied columns, in PostgreSQL's order. */
  columns: ColumnPlan[];
  /** Primary-key column names in key order; empty when the table has none. */
  primaryKey: string[];
  /** True when the table has the `updated_at` the incremental mode filters on. */
  hasUpdatedAt: boolean;
  /** Columns left out by the deny-list. */
  excludedColumns: string[];
}

/** The catalog as read in one snapshot: copyable tables, and the ones denied with why. */
export interface Catalog {
  tables: SourceTable[];
  denied: Map<string, string>;
}

/** Runs a query in the run's snapshot. */
export type QueryFn = <T>(sql: string) => Promise<T[]>;

interface ColumnRow {
  table_name: string;
  column_name: string;
  data_type: string;
  udt_name: string;
  numeric_precision: number | null;
  numeric_scale: number | null;
}

/** Read every base table of `public` (but migrations' own) with columns and primary key. */
export async function readCatalog(query: QueryFn): Promise<Catalog> {
  const tables = await query<{ table_name: string }>(`
    SELECT table_name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
    ORDER BY table_name`);
  const columns = await query<ColumnRow>(`
    SELECT table_name, column_name, data_type, udt_name,
           numeric_precision::int AS numeric_precision, numeric_scale::int AS numeric_scale
    FROM information_schema.columns
    WHERE table_schema = 'public'
    ORDER BY table_name, ordinal_position`);
  const keys = await query<{ table_name: string; column_name: string }>(`
    SELECT k.table_name, k.column_name
    FROM information_schema.table_constraints c
    JOIN information_schema.key_column_usage k
      ON k.constraint_schema = c.constraint_schema AND k.constraint_name = c.constraint_name
     AND k.table_name = c.table_name
    WHERE c.table_schema = 'public' AND c.constraint_type = 'PRIMARY KEY'
    ORDER BY k.table_name, k.ordinal_position`);

  const catalog: Catalog = { tables: [], denied: new Map() };
  for (const { table_name: name } of tables) {
    const denial = tableDenial(name);
    if (denial) {
      catalog.denied.set(name, denial);
      continue;
    }
    const own = columns.filter((c) => c.table_name === name);
    const excludedColumns = own
      .filter((c) => isColumnDenied(name, c.column_name))
      .map((c) => c.column_name);
    const kept = own.filter((c) => !excludedColumns.includes(c.column_name));
    const primaryKey = keys.filter((k) => k.table_name === name).map((k) => k.column_name);
    catalog.tables.push({
      name,
      columns: kept.map((c) => planColumn(toPgColumn(c))),
      // A key that is itself a secret cannot be merged on: such a table is copied whole.
      primaryKey: primaryKey.some((k) => excludedColumns.includes(k)) ? [] : primaryKey,
      hasUpdatedAt: kept.some(
        (c) => c.column_name === 'updated_at' && c.udt_name === 'timestamptz',
      ),
      excludedColumns,
    });
  }
  return catalog;
}

function toPgColumn(c: ColumnRow): PgColumn {
  return {
    name: c.column_name,
    dataType: c.data_type,
    udtName: c.udt_name,
    numericPrecision: c.numeric_precision,
    numericScale: c.numeric_scale,
  };
}

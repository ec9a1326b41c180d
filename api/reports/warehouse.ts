/**
 * Reading the warehouse from a request (reports, dashboards, model docs): trusted SQL of ours on
 * the one read path (warehouse/read/run.ts — its own connection, a time limit), plus a 503
 * problem that tells the caller what to do when the models have not been built yet, instead of a
 * DuckDB catalog error → 500.
 */
import type {
  DuckDBConnection,
  DuckDBResultReader,
  DuckDBType,
  DuckDBValue,
  Json,
} from '@duckdb/node-api';
import type { AppContext } from '../../context.ts';
import { withReadConnection, DEFAULT_TRUSTED_TIMEOUT_MS } from '../../warehouse/read/run.ts';
import { AppError } from '../errors.ts';

/** 503 naming the command that fixes it. */
export function notBuilt(what: string): AppError {
  return new AppError(
    'unavailable',
    `${what} is not built yet: run \`salesops models build\` (after \`salesops ingest\`)`,
    { hint: 'salesops models build' },
  );
}

/** The tables and views of the warehouse, as `schema.name`. */
export async function warehouseRelations(conn: DuckDBConnection): Promise<Set<string>> {
  const found = await conn.runAndReadAll(
    `SELECT table_schema || '.' || table_name AS rel FROM information_schema.tables
     WHERE table_catalog = current_database()`,
  );
  return new Set(found.getRowObjectsJson().map((r) => String(r.rel)));
}

/**
 * Rows of `sql` (JSON forms: DECIMAL and BIGINT as strings). `relations` (schema.name) must
 * exist, else a 503 problem naming the first missing one.
 */
export async function queryWarehouse(
  ctx: AppContext,
  relations: readonly string[],
  sql: string,
  params: DuckDBValue[] = [],
): Promise<Record<string, Json>[]> {
  const reader = await readWarehouse(ctx, relations, sql, params.length ? params : undefined);
  return reader.getRowObjectsJson();
}

/**
 * The result reader of `sql` with its column names and types (dashboards: named parameters
 * `$from` with their types, so an absent filter binds a typed NULL). Same 503 rule as
 * queryWarehouse.
 */
export async function readWarehouse(
  ctx: AppContext,
  relations: readonly string[],
  sql: string,
  params?: DuckDBValue[] | Record<string, DuckDBValue>,
  types?: Record<string, DuckDBType>,
): Promise<DuckDBResultReader> {
  if (!ctx.warehouse) throw new AppError('unavailable', 'this server runs without a warehouse');
  return withReadConnection(ctx.warehouse, DEFAULT_TRUSTED_TIMEOUT_MS, async (conn) => {
    if (relations.length) {
      const have = await warehouseRelations(conn);
      const missing = relations.find((r) => !have.has(r));
      if (missing) throw notBuilt(missing);
    }
    return await conn.runAndReadAll(sql, params, types);
  });
}

/** A BIGINT/INTEGER JSON value as a JS number (ids and counts fit), null stays null. */
export function toInt(v: Json | undefined): number | null {
  return v === null || v === undefined ? null : Number(v);
}

/** A DOUBLE JSON value rounded to `places` for display, null stays null. */
export function toRatio(v: Json | undefined, places: number): number | null {
  if (v === null || v === undefined) return null;
  const f = 10 ** places;
  const n = Number(v);
  // Math.round rounds half up; mirror it for negatives so rounding is half away from zero.
  return (Math.sign(n) * Math.round(Math.abs(n) * f)) / f;
}

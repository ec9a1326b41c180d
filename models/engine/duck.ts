/**
 * The few DuckDB calls the runner needs, on a connection it owns. Values come back in their
 * JSON form (DECIMAL and BIGINT as strings), so money never passes through a float here.
 */
import type { DuckDBConnection, DuckDBValue, Json } from '@duckdb/node-api';

/** Rows of `sql` as plain objects. */
export async function queryRows(
  conn: DuckDBConnection,
  sql: string,
  params: DuckDBValue[] = [],
): Promise<Record<string, Json>[]> {
  const reader = await conn.runAndReadAll(sql, params.length ? params : undefined);
  return reader.getRowObjectsJson();
}

/** Run `fn` inside one transaction: COMMIT when it resolves, ROLLBACK when it throws. */
export async function inTransaction<T>(conn: DuckDBConnection, fn: () => Promise<T>): Promise<T> {
  await conn.run('BEGIN TRANSACTION');
  try {
    const out = await fn();
    await conn.run('COMMIT');
    return out;
  } catch (e) {
    await conn.run('ROLLBACK').catch(() => {});
    throw e;
  }
}

/** 'BASE TABLE', 'VIEW', or undefined when `schema.name` does not exist. */
export async function relationKind(
  conn: DuckDBConnection,
  schema: string,
  name: string,
): Promise<'BASE TABLE' | 'VIEW' | undefined> {
  const rows = await queryRows(
    conn,
    `SELECT table_type FROM information_schema.tables
     WHERE table_catalog = current_database() AND table_schema = $1 AND table_name = $2`,
    [schema, name],
  );
  return rows[0]?.table_type as 'BASE TABLE' | 'VIEW' | undefined;
}

/** Drop `schema.name` whatever kind of relation it is (DuckDB refuses DROP VIEW on a table). */
export async function dropRelation(
  conn: DuckDBConnection,
  schema: string,
  name: string,
): Promise<void> {
  const kind = await relationKind(conn, schema, name);
  if (!kind) return;
  await conn.run(`DROP ${kind === 'VIEW' ? 'VIEW' : 'TABLE'} "${schema}"."${name}"`);
}

/** Column names of a relation, in order. */
export async function columnsOf(
  conn: DuckDBConnection,
  schema: string,
  name: string,
): Promise<string[]> {
  const rows = await queryRows(
    conn,
    `SELECT column_name FROM information_schema.columns
     WHERE table_catalog = current_database() AND table_schema = $1 AND table_name = $2
     ORDER BY ordinal_position`,
    [schema, name],
  );
  return rows.map((r) => String(r.column_name));
}

/** A mutual-exclusion lock for async work (one swap at a time, one run per warehouse). */
export class AsyncLock {
  private tail: Promise<unknown> = Promise.resolve();
  /** Run `fn` after everything queued before it has settled. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => {});
    return next;
  }
}

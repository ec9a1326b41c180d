/**
 * DuckDB's parse of a text someone typed (json_serialize_sql), for the guard (guard.ts): one
 * query of ours, kept per text.
 */
import type { DuckDBConnection, DuckDBMaterializedResult } from '@duckdb/node-api';
import type { ParseTree } from './tree.ts';

/**
 * json_serialize_sql's answers by SQL text, most recently used last. The parse depends on the
 * text alone — the parser reads no catalog, and the settings that steer it are locked at open
 * (warehouse/duckdb.ts) — so a dashboard or an analyst running the same text again skips one
 * DuckDB query (about 0.5–0.8 ms of a 10-row answer's latency, bench/sql.ts). Every check that
 * depends on the warehouse (tables that exist, the prepared statement's type) still runs each
 * time, and the tree is parsed afresh from the kept text, so no caller shares a mutable object.
 * Bounded: PARSE_CACHE_ENTRIES texts of at most PARSE_CACHE_BYTES characters (with their tree).
 */
const parsed = new Map<string, string>();
const PARSE_CACHE_ENTRIES = 256;
const PARSE_CACHE_BYTES = 64 * 1024;

/**
 * The first column of a materialized result of ours, as text. Its chunks are read at once:
 * runAndReadAll would ask DuckDB for each in turn, one more round trip through libuv's pool
 * each, and on a loaded machine every round trip of a 10-row answer counts (bench/sql.ts).
 */
export function firstColumn(result: DuckDBMaterializedResult): string[] {
  const texts: string[] = [];
  for (let i = 0; i < result.chunkCount; i++)
    for (const v of result.getChunk(i).getColumnValues(0)) texts.push(String(v));
  return texts;
}

/** The parse tree of `sql` (kept, or asked of DuckDB on `conn`). */
export async function parseTree(conn: DuckDBConnection, sql: string): Promise<ParseTree> {
  let json = parsed.get(sql);
  if (json !== undefined) parsed.delete(sql);
  else {
    // Prepared and bound here rather than through run(sql, [values]), which first has DuckDB
    // extract the statements of its text: two round trips fewer.
    const serialize = await conn.prepare('SELECT json_serialize_sql(CAST($1 AS VARCHAR))');
    try {
      serialize.bindVarchar(1, sql);
      json = firstColumn(await serialize.run())[0]!;
    } finally {
      serialize.destroySync();
    }
  }
  if (sql.length + json.length <= PARSE_CACHE_BYTES) {
    parsed.set(sql, json);
    if (parsed.size > PARSE_CACHE_ENTRIES) parsed.delete(parsed.keys().next().value!);
  }
  return JSON.parse(json) as ParseTree;
}

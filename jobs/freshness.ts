/**
 * When the warehouse last took in data and last published models, read from the ingest's and
 * the engine's own run logs (what GET /warehouse/freshness and /health show).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Warehouse } from '../warehouse/duckdb.ts';
import { DEFAULT_TRUSTED_TIMEOUT_MS, withReadConnection } from '../warehouse/read/run.ts';

export interface LastRuns {
  lastIngest: { at: string; status: string } | null;
  lastBuild: { at: string; status: string } | null;
}

/** The engine says success/error; the API speaks of runs as the jobs do. */
const BUILD_STATUS: Record<string, string> = { success: 'succeeded', error: 'failed' };

/** The last ingest and build, read on the one read path (warehouse/read/run.ts). */
export function readFreshness(warehouse: Warehouse): Promise<LastRuns> {
  return withReadConnection(warehouse, DEFAULT_TRUSTED_TIMEOUT_MS, (conn) => lastRuns(conn));
}

async function lastRuns(conn: DuckDBConnection): Promise<LastRuns> {
  const one = async (sql: string) => {
    try {
      const row = (await conn.runAndReadAll(sql)).getRowObjectsJson()[0];
      return row
        ? { at: new Date(String(row.at)).toISOString(), status: String(row.status) }
        : null;
    } catch (e) {
      if (/does not exist/i.test(String(e))) return null; // never ingested / built
      throw e;
    }
  };
  const lastIngest = await one(
    `SELECT finished_at AS at, status FROM raw._ingest_runs
       WHERE finished_at IS NOT NULL ORDER BY run_id DESC LIMIT 1`,
  );
  const build = await one(
    `SELECT finished_at AS at, status FROM meta.runs
       WHERE command IN ('run', 'build') AND finished_at IS NOT NULL
       ORDER BY started_at DESC LIMIT 1`,
  );
  return {
    lastIngest,
    lastBuild: build && { ...build, status: BUILD_STATUS[build.status] ?? build.status },
  };
}

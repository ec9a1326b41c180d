/** Counting what an upsert statement did, for the import's per-file report. */
import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { UpsertCounts } from './load.ts';

/** Run an INSERT … ON CONFLICT DO UPDATE and count rows inserted and updated (xmax = 0: new). */
export async function counted(
  trx: Transaction<DB>,
  upsert: RawBuilder<unknown>,
): Promise<UpsertCounts> {
  const r = await sql<{ inserted: number; updated: number }>`
    WITH up AS (${upsert} RETURNING (xmax = 0) AS fresh)
    SELECT count(*) FILTER (WHERE fresh)::int AS inserted, count(*) FILTER (WHERE NOT fresh)::int AS updated
    FROM up`.execute(trx);
  return r.rows[0] ?? { inserted: 0, updated: 0 };
}

/** Run an INSERT/UPDATE/DELETE ending in `RETURNING 1` and count the rows it touched. */
export async function countRows(
  trx: Transaction<DB>,
  statement: RawBuilder<unknown>,
): Promise<number> {
  const r = await sql<{ n: number }>`
    WITH done AS (${statement}) SELECT count(*)::int AS n FROM done`.execute(trx);
  return r.rows[0]?.n ?? 0;
}

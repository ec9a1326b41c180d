/**
 * report_snapshots (db/migrations/0820_report_snapshots.ts): a report's image is stored with its
 * report.ready event in one transaction, so an event never names an image that is not there and
 * no image is kept that nobody was told about.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { recordEvents, type BusinessEvent } from '../events/outbox.ts';

/** What a run stores. */
export interface NewSnapshot {
  report: string;
  title: string;
  dashboard: string;
  filters: Record<string, unknown>;
  png: Buffer;
  width: number;
  height: number;
  dataAsOf: Date | null;
  jobRunId: number | null;
}

/** A stored snapshot without its bytes. */
export interface SnapshotInfo {
  id: number;
  createdAt: Date;
}

/**
 * Store `snapshot` and the event `eventFor` makes of it (it needs the new id and time), in one
 * transaction.
 */
export async function storeSnapshot(
  db: Kysely<DB>,
  snapshot: NewSnapshot,
  eventFor: (stored: SnapshotInfo) => BusinessEvent,
): Promise<SnapshotInfo> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('report_snapshots')
      .values({
        report: snapshot.report,
        title: snapshot.title,
        dashboard: snapshot.dashboard,
        filters: JSON.stringify(snapshot.filters),
        png: snapshot.png,
        width: snapshot.width,
        height: snapshot.height,
        data_as_of: snapshot.dataAsOf,
        job_run_id: snapshot.jobRunId,
      })
      .returning(['id', 'created_at'])
      .executeTakeFirstOrThrow();
    const stored = { id: row.id, createdAt: row.created_at };
    await recordEvents(trx, [eventFor(stored)]);
    return stored;
  });
}

/** The image of snapshot `id` with what decides who may see it; undefined when there is none. */
export async function findSnapshot(db: Kysely<DB>, id: number) {
  return db
    .selectFrom('report_snapshots')
    .select(['id', 'dashboard', 'filters', 'png', 'created_at'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Delete the snapshots older than `days`; how many. */
export async function deleteSnapshotsOlderThan(db: Kysely<DB>, days: number): Promise<number> {
  const r = await db
    .deleteFrom('report_snapshots')
    .where('created_at', '<', sql<Date>`clock_timestamp() - make_interval(days => ${days})`)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/**
 * `segment`: RFM segments, clusters, churn and propensity trees and price suggestions
 * (segment/run.ts), written to the warehouse's `ml` schema and back into the CRM's
 * `customer_scores`; then the follow-up rules run, so a `churn_risk` rule turns the new run into
 * tasks at once rather than at the next quarter hour.
 *
 * Nightly, and queued by a build that rebuilt the customer marts. A build follows every ingest
 * that found a change, which in a working day is every few minutes; a segmentation describes
 * customers by the day, so a queued run (trigger `change`) is skipped when the newest run already
 * describes the same as-of day. The nightly and the manual runs always run. Its writes go through
 * no API route, so they never mark the warehouse stale (jobs/changes.ts), and neither of its
 * PostgreSQL tables is ingested (ingest/deny-list.ts): a run never triggers the next one.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { applyFollowupRules } from '../api/activities/followup/apply.ts';
import { NothingToSegment, runSegmentation, type SegmentSummary } from '../segment/run.ts';
import type { JobDefinition } from './types.ts';
import { requireWarehouse } from './warehouse.ts';

/** The models whose rebuild makes a segment run due (the build job chains it). */
export const CUSTOMER_MARTS: readonly string[] = ['mart_customer_value', 'mart_customer_rfm'];

async function currentAsOf(conn: DuckDBConnection): Promise<string | null> {
  try {
    const r = await conn.runAndReadAll(
      'SELECT CAST(max(as_of_date) AS VARCHAR) FROM marts.mart_customer_value',
    );
    return (r.getRows()[0]?.[0] as string | null) ?? null;
  } catch {
    return null; // not built yet: the run itself says so
  }
}

export const segmentJob: JobDefinition = {
  name: 'segment',
  description:
    'customer segments, clusters, churn risk and price suggestions, written back to the CRM',
  defaultSchedule: '30 2 * * *',
  resource: 'warehouse',
  managersMayRun: true,
  async run(ctx) {
    const warehouse = requireWarehouse(ctx.app);
    const db = ctx.app.ops.db;
    const conn = await warehouse.connect();
    let summary: SegmentSummary;
    try {
      if (ctx.trigger === 'change') {
        const [asOf, last] = await Promise.all([
          currentAsOf(conn),
          db
            .selectFrom('segment_runs')
            .select(['id', 'as_of'])
            .where('status', '=', 'succeeded')
            .orderBy('id', 'desc')
            .limit(1)
            .executeTakeFirst(),
        ]);
        if (asOf !== null && last?.as_of === asOf) {
          return {
            status: 'skipped',
            detail: { reason: `run #${last.id} already describes ${asOf}`, runId: last.id },
          };
        }
      }
      summary = await runSegmentation({
        db,
        conn,
        signal: ctx.signal,
        say: ctx.say,
        progress: ctx.progress,
      });
    } catch (e) {
      if (e instanceof NothingToSegment) {
        return { status: 'skipped', detail: { reason: e.message } };
      }
      throw e;
    } finally {
      conn.closeSync();
    }
    const followUps = await applyFollowupRules(db, { principal: null });
    if (followUps.created) ctx.say(`segment: ${followUps.created} follow-up task(s) created`);
    return {
      rows: summary.customers,
      detail: { ...summary, followUpsCreated: followUps.created },
    };
  },
};

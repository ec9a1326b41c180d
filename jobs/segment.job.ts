/**
 * `segment`: RFM segments, clusters, churn and propensity trees and price suggestions
 * (segment/run.ts), written to the warehouse's `ml` schema and back into the CRM's
 * `customer_scores`; then the follow-up rules run, so a `churn_risk` rule turns the new run into
 * tasks at once rather than at the next quarter hour.
 *
 * Nightly, and queued by a build that rebuilt the customer marts; skipped when it would only
 * repeat the newest run (skipReason). Its writes go through
 * no API route, so they never mark the warehouse stale (jobs/changes.ts), and neither of its
 * PostgreSQL tables is ingested (ingest/deny-list.ts): a run never triggers the next one.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Kysely } from 'kysely';
import { applyFollowupRules } from '../api/activities/followup/apply.ts';
import type { DB } from '../db/schema.ts';
import { PUBLISHED_RUN } from '../models/engine/meta.ts';
import { NothingToSegment, runSegmentation, type SegmentSummary } from '../segment/run.ts';
import type { TreeSettings } from '../segment/tree-settings.ts';
import type { JobDefinition, JobTrigger } from './types.ts';
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

/** The newest succeeded run, if any. */
async function newestRun(db: Kysely<DB>) {
  return db
    .selectFrom('segment_runs')
    .select(['id', 'as_of', 'started_at'])
    .where('status', '=', 'succeeded')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Has a build been published since `at`? */
async function builtSince(conn: DuckDBConnection, at: Date): Promise<boolean> {
  try {
    const r = await conn.runAndReadAll(
      `SELECT count(*)::INTEGER FROM meta.runs AS r
       WHERE ${PUBLISHED_RUN} AND r.command IN ('run', 'build') AND epoch_ms(r.started_at) > $1`,
      [at.getTime()],
    );
    return Number(r.getRows()[0]![0]) > 0;
  } catch {
    return true; // no log to tell: run
  }
}

/**
 * Why this run would only repeat the newest one, or null to run. A person asking always runs.
 * Queued by a build (`change`): skipped when the newest run describes the same as-of day — the
 * builds of a working day would otherwise re-segment every few minutes. Nightly and at a start:
 * skipped when no build was published since the newest run began — same inputs, same seed, same
 * result, and a movement panel comparing two identical runs shows nothing.
 */
async function skipReason(
  trigger: JobTrigger,
  db: Kysely<DB>,
  conn: DuckDBConnection,
): Promise<Record<string, unknown> | null> {
  if (trigger === 'manual') return null;
  const last = await newestRun(db);
  if (!last) return null;
  if (trigger === 'change') {
    const asOf = await currentAsOf(conn);
    return asOf !== null && last.as_of === asOf
      ? { reason: `run #${last.id} already describes ${asOf}`, runId: last.id }
      : null;
  }
  return (await builtSince(conn, last.started_at))
    ? null
    : { reason: `nothing was built since run #${last.id}`, runId: last.id };
}

/**
 * The trees' settings of this run: a manual run's parameters (checked by api/jobs/params.ts
 * before it was queued) over SALESOPS_SEGMENT_TREE_DEPTH / _MIN_SAMPLES.
 */
export function treeSettings(
  configured: Readonly<TreeSettings>,
  params: Readonly<Record<string, unknown>>,
): TreeSettings {
  const pick = (key: keyof TreeSettings) =>
    typeof params[key] === 'number' ? (params[key] as number) : configured[key];
  return { maxDepth: pick('maxDepth'), minNumSamples: pick('minNumSamples') };
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
      const skip = await skipReason(ctx.trigger, db, conn);
      if (skip) return { status: 'skipped', detail: skip };
      summary = await runSegmentation(
        { db, conn, signal: ctx.signal, say: ctx.say, progress: ctx.progress },
        { trees: { tree: treeSettings(ctx.app.config.segmentTree, ctx.params) } },
      );
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

/**
 * `follow-ups`: apply the CRM follow-up rules whose causes arise with time — an order delivered N
 * days ago, an opportunity idle for N days (api/activities/followup/apply.ts). Rules on customer
 * creation already fire inside that write. A rule never fires twice for one cause (unique index),
 * so a run that races another, or repeats after a crash, creates nothing twice.
 *
 * It also announces what time alone changed: `activity.overdue` for each open activity that came
 * due since the previous run that ended well (api/activities/overdue.ts); the first run looks
 * back one day.
 */
import type { Kysely } from 'kysely';
import { applyFollowupRules } from '../api/activities/followup/apply.ts';
import { recordOverdueActivities } from '../api/activities/overdue.ts';
import type { DB } from '../db/schema.ts';
import type { JobDefinition } from './types.ts';

/** How far the first run looks back for activities that came due. */
const FIRST_LOOK_BACK_MS = 86_400_000;

/** When the newest earlier run of this job that ended well started (any instance). */
async function previousStart(db: Kysely<DB>, runId: number): Promise<Date | undefined> {
  const row = await db
    .selectFrom('job_runs')
    .select('started_at')
    .where('job', '=', 'follow-ups')
    .where('status', 'in', ['succeeded', 'skipped'])
    .where('id', '<>', runId)
    .where('started_at', 'is not', null)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.started_at ?? undefined;
}

export const followUpsJob: JobDefinition = {
  name: 'follow-ups',
  description: 'create the follow-up activities the CRM rules call for',
  defaultSchedule: '*/15 * * * *',
  resource: 'database',
  managersMayRun: false,
  async run(ctx) {
    const db = ctx.app.ops.db;
    const now = new Date();
    const since =
      (await previousStart(db, ctx.runId)) ?? new Date(now.getTime() - FIRST_LOOK_BACK_MS);
    const overdue = await recordOverdueActivities(db, { since, now });
    const result = await applyFollowupRules(db, { principal: null });
    return {
      status: result.created ? 'succeeded' : 'skipped',
      rows: result.created,
      detail: { activityIds: result.activityIds.slice(0, 100), overdueAnnounced: overdue },
    };
  },
};

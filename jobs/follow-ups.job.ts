/**
 * `follow-ups`: apply the CRM follow-up rules whose causes arise with time — an order delivered N
 * days ago, an opportunity idle for N days (api/activities/followup/apply.ts). Rules on customer
 * creation already fire inside that write. A rule never fires twice for one cause (unique index),
 * so a run that races another, or repeats after a crash, creates nothing twice.
 */
import { applyFollowupRules } from '../api/activities/followup/apply.ts';
import type { JobDefinition } from './types.ts';

export const followUpsJob: JobDefinition = {
  name: 'follow-ups',
  description: 'create the follow-up activities the CRM rules call for',
  defaultSchedule: '*/15 * * * *',
  resource: 'database',
  managersMayRun: false,
  async run(ctx) {
    const result = await applyFollowupRules(ctx.app.ops.db, { principal: null });
    return {
      status: result.created ? 'succeeded' : 'skipped',
      rows: result.created,
      detail: { activityIds: result.activityIds.slice(0, 100) },
    };
  },
};

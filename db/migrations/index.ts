/**
 * Every migration, in order. A static list (not a folder scan) so it works the same under tsx,
 * vitest and any bundler. Add a file `NNNN_name.ts` and a line here.
 */
import type { Migration } from 'kysely';
import * as m0001 from './0001_operational_schema.ts';
import * as m0100 from './0100_orders_idempotency.ts';
import * as m0200 from './0200_crm_pipeline.ts';
import * as m0300 from './0300_ledger_append_only.ts';
import * as m0400 from './0400_job_runs.ts';
import * as m0500 from './0500_users_sessions.ts';
import * as m0600 from './0600_sql_saved.ts';
import * as m0700 from './0700_customer_scores.ts';
import * as m0800 from './0800_events.ts';
import * as m0810 from './0810_webhooks.ts';
import * as m0820 from './0820_report_snapshots.ts';
import * as m0830 from './0830_webhook_pick.ts';
import * as m0840 from './0840_webhook_log_upkeep.ts';
import * as m0850 from './0850_webhook_previous_secret.ts';

export const migrations: Record<string, Migration> = {
  '0001_operational_schema': m0001,
  '0100_orders_idempotency': m0100,
  '0200_crm_pipeline': m0200,
  '0300_ledger_append_only': m0300,
  '0400_job_runs': m0400,
  '0500_users_sessions': m0500,
  '0600_sql_saved': m0600,
  '0700_customer_scores': m0700,
  '0800_events': m0800,
  '0810_webhooks': m0810,
  '0820_report_snapshots': m0820,
  '0830_webhook_pick': m0830,
  '0840_webhook_log_upkeep': m0840,
  '0850_webhook_previous_secret': m0850,
};

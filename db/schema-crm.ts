/**
 * Table types of the CRM (db/migrations/0001_operational_schema/crm.ts, 0200_crm_pipeline.ts):
 * teams and reps, customers and contacts, opportunities with their lines and stage history,
 * activities and the follow-up rules that create them, quotas. Beside db/schema.ts, which lists
 * them in `DB`.
 */
import type { ColumnType, Generated } from 'kysely';
import type {
  Id,
  NullableStamp,
  Numeric,
  NumericDefault,
  SoftDelete,
  Stamp,
  Timestamps,
} from './schema.ts';

export interface TeamsTable extends Timestamps, SoftDelete {
  id: Id;
  name: string;
  manager_rep_id: number | null;
}

export interface SalesRepsTable extends Timestamps, SoftDelete {
  id: Id;
  code: string;
  name: string;
  email: string | null;
  team_id: number | null;
  manager_rep_id: number | null;
  active: Generated<boolean>;
}

/**
 * The customer groups the business defines (price lists and discounts are set per group). The
 * API and the import refuse any other value; the column is text so a new group needs no migration.
 */
export const CUSTOMER_GROUPS = ['retail', 'wholesale', 'key_account'] as const;
export type CustomerGroup = (typeof CUSTOMER_GROUPS)[number];

export interface CustomersTable extends Timestamps, SoftDelete {
  id: Id;
  code: string;
  name: string;
  email: string | null;
  phone: string | null;
  address: string | null;
  city: string | null;
  country: string | null;
  customer_group: string | null;
  credit_limit: Numeric | null;
  tags: ColumnType<string[], string[] | undefined, string[]>;
  owner_rep_id: number | null;
  blocked: Generated<boolean>;
}

export interface ContactsTable extends Timestamps, SoftDelete {
  id: Id;
  customer_id: number;
  name: string;
  role: string | null;
  email: string | null;
  phone: string | null;
  is_primary: Generated<boolean>;
}

export type OpportunityStage = 'lead' | 'qualified' | 'proposal' | 'negotiation' | 'won' | 'lost';

export interface OpportunitiesTable extends Timestamps, SoftDelete {
  id: Id;
  customer_id: number;
  owner_rep_id: number | null;
  title: string;
  stage: ColumnType<OpportunityStage, OpportunityStage | undefined, OpportunityStage>;
  expected_value: NumericDefault;
  probability: NumericDefault;
  expected_close_date: string | null;
  closed_at: NullableStamp;
  lost_reason: string | null;
  order_id: number | null;
}

export interface OpportunityStageHistoryTable extends Timestamps {
  id: Id;
  opportunity_id: number;
  from_stage: string | null;
  to_stage: string;
  changed_at: Stamp;
  changed_by_key_id: number | null;
}

export type ActivityType = 'call' | 'email' | 'meeting' | 'task';

export interface ActivitiesTable extends Timestamps, SoftDelete {
  id: Id;
  activity_type: ActivityType;
  subject: string;
  customer_id: number | null;
  contact_id: number | null;
  opportunity_id: number | null;
  order_id: number | null;
  owner_rep_id: number | null;
  due_at: NullableStamp;
  done_at: NullableStamp;
  outcome: string | null;
  notes: string | null;
  followup_rule_id: number | null;
  cause_key: string | null;
}

/** What a follow-up rule reacts to; `churn_risk` came with the segment runs (migration 0700). */
export type FollowupTrigger =
  'order_delivered' | 'customer_created' | 'opportunity_idle' | 'churn_risk';

/** A follow-up automation rule (api/activities/followup); condition/action are JSON objects. */
export interface FollowupRulesTable extends Timestamps, SoftDelete {
  id: Id;
  name: string;
  trigger: FollowupTrigger;
  condition: ColumnType<unknown, string | undefined, string>;
  action: ColumnType<unknown, string, string>;
  active: Generated<boolean>;
}

/** What an opportunity would sell; becomes the draft order's lines when it is won. */
export interface OpportunityLinesTable extends Timestamps {
  id: Id;
  opportunity_id: number;
  line_no: number;
  product_id: number;
  quantity: number;
  unit_price: Numeric;
  discount: NumericDefault;
}

export interface QuotasTable extends Timestamps, SoftDelete {
  id: Id;
  rep_id: number | null;
  team_id: number | null;
  period_type: 'month' | 'quarter' | 'year';
  period_start: string;
  amount: Numeric;
}

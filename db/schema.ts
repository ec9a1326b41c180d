/**
 * Kysely row types for every operational table (snake_case, as stored).
 * Conventions: bigint ids are parsed to JS numbers (see db/pg-types.ts), numeric stays a decimal
 * string (money is never a float), date stays 'YYYY-MM-DD', timestamptz is a Date.
 */
import type { ColumnType, Generated } from 'kysely';
import type { SessionsTable, UsersTable, UserTokensTable } from './schema-people.ts';
import type { SqlHistoryTable, SqlSavedQueriesTable } from './schema-sql.ts';

/** Decimal value: read as string, written as string or number. */
export type Numeric = ColumnType<string, string | number, string | number>;
type NumericDefault = ColumnType<string, string | number | undefined, string | number>;
/** timestamptz with a database default. */
export type Stamp = ColumnType<Date, Date | string | undefined, Date | string>;
export type NullableStamp = ColumnType<
  Date | null,
  Date | string | null | undefined,
  Date | string | null
>;
export type Id = Generated<number>;
type Json = ColumnType<unknown, string, string>;

export interface Timestamps {
  created_at: Stamp;
  updated_at: Stamp;
}
interface SoftDelete {
  deleted_at: NullableStamp;
}

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

export type FollowupTrigger = 'order_delivered' | 'customer_created' | 'opportunity_idle';

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

export interface ProductCategoriesTable extends Timestamps, SoftDelete {
  id: Id;
  name: string;
  parent_id: number | null;
}

export interface ProductsTable extends Timestamps, SoftDelete {
  id: Id;
  sku: string;
  name: string;
  category_id: number | null;
  list_price: Numeric;
  cost: Numeric | null;
  active: Generated<boolean>;
}

export interface ProductPriceHistoryTable extends Timestamps {
  id: Id;
  product_id: number;
  list_price: Numeric;
  cost: Numeric | null;
  valid_from: ColumnType<Date, Date | string, Date | string>;
}

export interface PriceListsTable extends Timestamps, SoftDelete {
  id: Id;
  name: string;
  currency: Generated<string>;
  active: Generated<boolean>;
}

export interface PriceListItemsTable extends Timestamps, SoftDelete {
  id: Id;
  price_list_id: number;
  product_id: number;
  customer_group: string | null;
  min_quantity: Generated<number>;
  unit_price: Numeric;
  valid_from: NullableStamp;
  valid_to: NullableStamp;
}

export interface WarehousesTable extends Timestamps, SoftDelete {
  id: Id;
  code: string;
  name: string;
  city: string | null;
  active: Generated<boolean>;
}

export interface StockLevelsTable extends Timestamps {
  product_id: number;
  warehouse_id: number;
  on_hand: Generated<number>;
  reserved: Generated<number>;
}

export type MovementType =
  | 'receipt'
  | 'adjustment'
  | 'transfer_in'
  | 'transfer_out'
  | 'reservation'
  | 'release'
  | 'shipment'
  | 'return';

export interface StockMovementsTable extends Timestamps {
  id: Id;
  product_id: number;
  warehouse_id: number;
  movement_type: MovementType;
  on_hand_delta: Generated<number>;
  reserved_delta: Generated<number>;
  reference_type: string | null;
  reference_id: number | null;
  reason: string | null;
  occurred_at: Stamp;
  created_by_key_id: number | null;
}

export interface ReorderRulesTable extends Timestamps, SoftDelete {
  id: Id;
  product_id: number;
  warehouse_id: number;
  reorder_point: number;
  reorder_quantity: number;
  lead_time_days: number | null;
}

export type OrderStatus =
  'draft' | 'pending_approval' | 'confirmed' | 'shipped' | 'delivered' | 'cancelled' | 'returned';

export interface OrdersTable extends Timestamps, SoftDelete {
  id: Id;
  number: string;
  customer_id: number;
  rep_id: number | null;
  warehouse_id: number | null;
  status: ColumnType<OrderStatus, OrderStatus | undefined, OrderStatus>;
  currency: Generated<string>;
  subtotal: NumericDefault;
  discount_total: NumericDefault;
  returned_total: NumericDefault;
  total: NumericDefault;
  source: ColumnType<'api' | 'import' | 'demo', 'api' | 'import' | 'demo' | undefined>;
  notes: string | null;
  ordered_at: Stamp;
  confirmed_at: NullableStamp;
  approved_at: NullableStamp;
  shipped_at: NullableStamp;
  delivered_at: NullableStamp;
  cancelled_at: NullableStamp;
  returned_at: NullableStamp;
  paid_at: NullableStamp;
  created_by_key_id: number | null;
}

export interface OrderLinesTable extends Timestamps {
  id: Id;
  order_id: number;
  line_no: number;
  product_id: number;
  quantity: number;
  unit_price: Numeric;
  discount: NumericDefault;
  line_total: Numeric;
  unit_cost: Numeric | null;
  returned_quantity: Generated<number>;
}

export interface OrderEventsTable extends Timestamps {
  id: Id;
  order_id: number | null;
  event_type: string;
  from_status: string | null;
  to_status: string | null;
  payload: ColumnType<unknown, string | undefined, string>;
  occurred_at: Stamp;
  actor_key_id: number | null;
  published_at: NullableStamp;
}

export type OrderRuleKind =
  | 'credit_limit'
  | 'max_discount'
  | 'approval_above_total'
  | 'minimum_order_value'
  | 'blocked_customer';

export interface OrderRulesTable extends Timestamps {
  id: string;
  kind: OrderRuleKind;
  params: ColumnType<unknown, string | undefined, string>;
  active: Generated<boolean>;
  description: string | null;
}

export interface AlertsTable extends Timestamps {
  id: Id;
  kind: string;
  product_id: number | null;
  warehouse_id: number | null;
  message: string;
  payload: ColumnType<unknown, string | undefined, string>;
  raised_at: Stamp;
  acknowledged_at: NullableStamp;
  acknowledged_by_key_id: number | null;
}

export type Role = 'admin' | 'manager' | 'staff' | 'analyst' | 'executive';
export const ROLES: readonly Role[] = ['admin', 'manager', 'staff', 'analyst', 'executive'];

export interface ApiKeysTable extends Timestamps {
  id: Id;
  name: string;
  role: Role;
  key_hash: string;
  key_prefix: string;
  rep_id: number | null;
  /** The user the key belongs to (disabling the user revokes it), or null for a machine key. */
  user_id: ColumnType<number | null, number | null | undefined, number | null>;
  last_used_at: NullableStamp;
  revoked_at: NullableStamp;
}

export interface AuditLogTable extends Timestamps {
  id: Id;
  api_key_id: number | null;
  /** The signed-in user (a browser session, or a key that belongs to a user). */
  user_id: ColumnType<number | null, number | null | undefined, number | null>;
  entity: string;
  entity_id: string;
  action: string;
  diff: Json;
  at: Stamp;
}

/** Stored Idempotency-Key answers (api/idempotency); status_code null while in progress. */
export interface IdempotencyKeysTable extends Timestamps {
  api_key_id: number;
  key: string;
  method: string;
  path: string;
  request_hash: string;
  status_code: number | null;
  content_type: string | null;
  response_body: string | null;
  completed_at: NullableStamp;
}

export interface DeletedRowsTable extends Timestamps {
  id: Id;
  table_name: string;
  row_key: unknown;
  deleted_at: Stamp;
}

/** Every operational table, for Kysely<DB>. */
export interface DB {
  teams: TeamsTable;
  sales_reps: SalesRepsTable;
  customers: CustomersTable;
  contacts: ContactsTable;
  opportunities: OpportunitiesTable;
  opportunity_stage_history: OpportunityStageHistoryTable;
  activities: ActivitiesTable;
  followup_rules: FollowupRulesTable;
  opportunity_lines: OpportunityLinesTable;
  quotas: QuotasTable;
  product_categories: ProductCategoriesTable;
  products: ProductsTable;
  product_price_history: ProductPriceHistoryTable;
  price_lists: PriceListsTable;
  price_list_items: PriceListItemsTable;
  warehouses: WarehousesTable;
  stock_levels: StockLevelsTable;
  stock_movements: StockMovementsTable;
  reorder_rules: ReorderRulesTable;
  orders: OrdersTable;
  order_lines: OrderLinesTable;
  order_events: OrderEventsTable;
  order_rules: OrderRulesTable;
  alerts: AlertsTable;
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
  deleted_rows: DeletedRowsTable;
  idempotency_keys: IdempotencyKeysTable;
  job_runs: JobRunsTable;
  users: UsersTable;
  user_tokens: UserTokensTable;
  sessions: SessionsTable;
  sql_saved_queries: SqlSavedQueriesTable;
  sql_history: SqlHistoryTable;
}

/** The job runtime's run history (db/migrations/0400_job_runs.ts). */
export interface JobRunsTable {
  id: Id;
  job: string;
  instance: string;
  trigger: 'schedule' | 'manual' | 'change' | 'start';
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'interrupted' | 'skipped';
  params: ColumnType<unknown, string | undefined, string>;
  slot: string | null;
  queued_at: Stamp;
  started_at: NullableStamp;
  finished_at: NullableStamp;
  attempts: ColumnType<number, number | undefined, number>;
  rows: number | null;
  models_built: number | null;
  ingest_run_id: number | null;
  model_run_id: string | null;
  error: string | null;
  detail: ColumnType<unknown, string | null | undefined, string | null>;
  requested_by_key_id: number | null;
}

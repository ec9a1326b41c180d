/**
 * Kysely row types for every operational table (snake_case, as stored): the column types every
 * table shares, the tables of access and change tracking, and `DB`, which lists them all; the
 * business areas' tables are beside this file (schema-crm.ts, schema-catalog.ts,
 * schema-orders.ts, schema-people.ts, schema-sql.ts, schema-segment.ts, schema-events.ts,
 * schema-webhooks.ts, schema-reports.ts).
 * Conventions: bigint ids are parsed to JS numbers (see db/pg-types.ts), numeric stays a decimal
 * string (money is never a float), date stays 'YYYY-MM-DD', timestamptz is a Date.
 */
import type { ColumnType, Generated } from 'kysely';
import type {
  AlertsTable,
  PriceListItemsTable,
  PriceListsTable,
  ProductCategoriesTable,
  ProductPriceHistoryTable,
  ProductsTable,
  ReorderRulesTable,
  StockLevelsTable,
  StockMovementsTable,
  WarehousesTable,
} from './schema-catalog.ts';
import type {
  ActivitiesTable,
  ContactsTable,
  CustomersTable,
  FollowupRulesTable,
  OpportunitiesTable,
  OpportunityLinesTable,
  OpportunityStageHistoryTable,
  QuotasTable,
  SalesRepsTable,
  TeamsTable,
} from './schema-crm.ts';
import type {
  OrderEventsTable,
  OrderLinesTable,
  OrderRulesTable,
  OrdersTable,
} from './schema-orders.ts';
import type { SessionsTable, UsersTable, UserTokensTable } from './schema-people.ts';
import type { EventCounterTable, EventsTable } from './schema-events.ts';
import type { ReportSnapshotsTable } from './schema-reports.ts';
import type { CustomerScoresTable, SegmentRunsTable } from './schema-segment.ts';
import type { SqlHistoryTable, SqlSavedQueriesTable } from './schema-sql.ts';
import type {
  WebhookAttemptsTable,
  WebhookDeliveriesTable,
  WebhooksTable,
} from './schema-webhooks.ts';

/** Decimal value: read as string, written as string or number. */
export type Numeric = ColumnType<string, string | number, string | number>;
/** Decimal value with a database default. */
export type NumericDefault = ColumnType<string, string | number | undefined, string | number>;
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
/** Soft delete: a row a user deletes keeps its data, stamped. */
export interface SoftDelete {
  deleted_at: NullableStamp;
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
  segment_runs: SegmentRunsTable;
  customer_scores: CustomerScoresTable;
  events: EventsTable;
  event_counter: EventCounterTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  report_snapshots: ReportSnapshotsTable;
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

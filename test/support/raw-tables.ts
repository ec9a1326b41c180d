/**
 * The warehouse's `raw` schema for tests that do not wait for ingest: the raw tables ingest
 * creates (same names and columns as db/migrations/*.ts, in DuckDB types), with the operational
 * defaults so a test writes only the columns it cares about, and small helpers to insert and read.
 */
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type { Warehouse } from '../../warehouse/duckdb.ts';

const STAMPS = `created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()`;
const SOFT = `${STAMPS}, deleted_at TIMESTAMPTZ`;

/** The raw tables as ingest lays them out (numeric(p,s) → DECIMAL(p,s), jsonb → JSON, …). */
export const RAW_TABLES: Record<string, string> = {
  teams: `id BIGINT, name VARCHAR, manager_rep_id BIGINT, ${SOFT}`,
  sales_reps: `id BIGINT, code VARCHAR, name VARCHAR, email VARCHAR, team_id BIGINT,
    manager_rep_id BIGINT, active BOOLEAN DEFAULT true, ${SOFT}`,
  customers: `id BIGINT, code VARCHAR, name VARCHAR, email VARCHAR, phone VARCHAR,
    address VARCHAR, city VARCHAR, country VARCHAR, customer_group VARCHAR,
    credit_limit DECIMAL(14,2), tags VARCHAR[] DEFAULT [], owner_rep_id BIGINT,
    blocked BOOLEAN DEFAULT false, ${SOFT}`,
  contacts: `id BIGINT, customer_id BIGINT, name VARCHAR, role VARCHAR, email VARCHAR,
    phone VARCHAR, is_primary BOOLEAN DEFAULT false, ${SOFT}`,
  opportunities: `id BIGINT, customer_id BIGINT, owner_rep_id BIGINT, title VARCHAR DEFAULT 'deal',
    stage VARCHAR DEFAULT 'lead', expected_value DECIMAL(14,2) DEFAULT 0,
    probability DECIMAL(5,4) DEFAULT 0.1, expected_close_date DATE, closed_at TIMESTAMPTZ,
    lost_reason VARCHAR, order_id BIGINT, ${SOFT}`,
  opportunity_stage_history: `id BIGINT, opportunity_id BIGINT, from_stage VARCHAR,
    to_stage VARCHAR, changed_at TIMESTAMPTZ DEFAULT now(), changed_by_key_id BIGINT, ${STAMPS}`,
  activities: `id BIGINT, activity_type VARCHAR DEFAULT 'call', subject VARCHAR DEFAULT 'x',
    customer_id BIGINT, contact_id BIGINT, opportunity_id BIGINT, order_id BIGINT,
    owner_rep_id BIGINT, due_at TIMESTAMPTZ, done_at TIMESTAMPTZ, outcome VARCHAR, notes VARCHAR,
    followup_rule_id BIGINT, cause_key VARCHAR, ${SOFT}`,
  quotas: `id BIGINT, rep_id BIGINT, team_id BIGINT, period_type VARCHAR, period_start DATE,
    amount DECIMAL(14,2), ${SOFT}`,
  product_categories: `id BIGINT, name VARCHAR, parent_id BIGINT, ${SOFT}`,
  products: `id BIGINT, sku VARCHAR, name VARCHAR, category_id BIGINT,
    list_price DECIMAL(14,4) DEFAULT 0, cost DECIMAL(14,4), active BOOLEAN DEFAULT true, ${SOFT}`,
  product_price_history: `id BIGINT, product_id BIGINT, list_price DECIMAL(14,4),
    cost DECIMAL(14,4), valid_from TIMESTAMPTZ, ${STAMPS}`,
  price_lists: `id BIGINT, name VARCHAR, currency VARCHAR DEFAULT 'EUR',
    active BOOLEAN DEFAULT true, ${SOFT}`,
  price_list_items: `id BIGINT, price_list_id BIGINT, product_id BIGINT, customer_group VARCHAR,
    min_quantity INTEGER DEFAULT 1, unit_price DECIMAL(14,4), valid_from TIMESTAMPTZ,
    valid_to TIMESTAMPTZ, ${SOFT}`,
  warehouses: `id BIGINT, code VARCHAR, name VARCHAR, city VARCHAR, active BOOLEAN DEFAULT true,
    ${SOFT}`,
  stock_levels: `product_id BIGINT, warehouse_id BIGINT, on_hand INTEGER DEFAULT 0,
    reserved INTEGER DEFAULT 0, ${STAMPS}`,
  stock_movements: `id BIGINT, product_id BIGINT, warehouse_id BIGINT, movement_type VARCHAR,
    on_hand_delta INTEGER DEFAULT 0, reserved_delta INTEGER DEFAULT 0, reference_type VARCHAR,
    reference_id BIGINT, reason VARCHAR, occurred_at TIMESTAMPTZ DEFAULT now(),
    created_by_key_id BIGINT, ${STAMPS}`,
  reorder_rules: `id BIGINT, product_id BIGINT, warehouse_id BIGINT, reorder_point INTEGER,
    reorder_quantity INTEGER, lead_time_days INTEGER, ${SOFT}`,
  orders: `id BIGINT, number VARCHAR, customer_id BIGINT, rep_id BIGINT, warehouse_id BIGINT,
    status VARCHAR DEFAULT 'draft', currency VARCHAR DEFAULT 'EUR',
    subtotal DECIMAL(14,2) DEFAULT 0, discount_total DECIMAL(14,2) DEFAULT 0,
    returned_total DECIMAL(14,2) DEFAULT 0, total DECIMAL(14,2) DEFAULT 0,
    source VARCHAR DEFAULT 'api', notes VARCHAR, ordered_at TIMESTAMPTZ DEFAULT now(),
    confirmed_at TIMESTAMPTZ, approved_at TIMESTAMPTZ, shipped_at TIMESTAMPTZ,
    delivered_at TIMESTAMPTZ, cancelled_at TIMESTAMPTZ, returned_at TIMESTAMPTZ,
    paid_at TIMESTAMPTZ, created_by_key_id BIGINT, ${SOFT}`,
  order_lines: `id BIGINT, order_id BIGINT, line_no INTEGER, product_id BIGINT,
    quantity INTEGER, unit_price DECIMAL(14,4), discount DECIMAL(5,4) DEFAULT 0,
    line_total DECIMAL(14,2) DEFAULT 0, unit_cost DECIMAL(14,4),
    returned_quantity INTEGER DEFAULT 0, ${STAMPS}`,
  order_events: `id BIGINT, order_id BIGINT, event_type VARCHAR, from_status VARCHAR,
    to_status VARCHAR, payload JSON DEFAULT '{}', occurred_at TIMESTAMPTZ DEFAULT now(),
    actor_key_id BIGINT, published_at TIMESTAMPTZ, ${STAMPS}`,
  // The outbox (db/migrations/0800_events.ts), read by stg_events: empty unless a test adds rows.
  events: `row_id BIGINT, id BIGINT, type VARCHAR, entity_type VARCHAR, entity_id VARCHAR,
    customer_id BIGINT, schema_version SMALLINT DEFAULT 1, payload JSON DEFAULT '{}',
    occurred_at TIMESTAMPTZ DEFAULT now(), actor_key_id BIGINT, actor_user_id BIGINT,
    published_at TIMESTAMPTZ, ${STAMPS}`,
  alerts: `id BIGINT, kind VARCHAR, product_id BIGINT, warehouse_id BIGINT, message VARCHAR,
    payload JSON DEFAULT '{}', raised_at TIMESTAMPTZ DEFAULT now(), acknowledged_at TIMESTAMPTZ,
    acknowledged_by_key_id BIGINT, ${STAMPS}`,
  order_rules: `id VARCHAR, kind VARCHAR, params JSON DEFAULT '{}', active BOOLEAN DEFAULT true,
    description VARCHAR, ${STAMPS}`,
  followup_rules: `id BIGINT, name VARCHAR, trigger VARCHAR, condition JSON DEFAULT '{}',
    action JSON, active BOOLEAN DEFAULT true, ${SOFT}`,
  opportunity_lines: `id BIGINT, opportunity_id BIGINT, line_no INTEGER, product_id BIGINT,
    quantity INTEGER, unit_price DECIMAL(14,4), discount DECIMAL(5,4) DEFAULT 0, ${STAMPS}`,
  audit_log: `id BIGINT, api_key_id BIGINT, entity VARCHAR, entity_id VARCHAR, action VARCHAR,
    diff JSON DEFAULT '{}', "at" TIMESTAMPTZ DEFAULT now(), user_id BIGINT, ${STAMPS}`,
  // As the ingest copies them: without password_hash and token_hash (ingest/deny-list.ts).
  users: `id BIGINT, email VARCHAR, name VARCHAR, role VARCHAR, rep_id BIGINT,
    active BOOLEAN DEFAULT true, failed_attempts INTEGER DEFAULT 0, first_failed_at TIMESTAMPTZ,
    locked_until TIMESTAMPTZ, last_sign_in_at TIMESTAMPTZ, ${STAMPS}`,
  sessions: `id BIGINT, user_id BIGINT, created_at TIMESTAMPTZ, last_seen_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ, ended_at TIMESTAMPTZ, updated_at TIMESTAMPTZ DEFAULT now()`,
};

/** A row for insertRaw: column → value (money as strings keeps it exact). */
export type RawRow = Record<string, string | number | boolean | null>;

/** Create every raw table (empty) on `conn`, replacing any that exist. */
export async function createRawTables(conn: DuckDBConnection): Promise<void> {
  await conn.run('CREATE SCHEMA IF NOT EXISTS raw');
  for (const [table, columns] of Object.entries(RAW_TABLES)) {
    await conn.run(`CREATE OR REPLACE TABLE raw.${table} (${columns})`);
  }
}

/** Insert `rows` into raw.`table`; columns a row leaves out take their defaults. */
export async function insertRaw(
  conn: DuckDBConnection,
  table: keyof typeof RAW_TABLES | string,
  rows: readonly RawRow[],
): Promise<void> {
  for (const row of rows) {
    const cols = Object.keys(row);
    const params = cols.map((_, i) => `$${i + 1}`).join(', ');
    await conn.run(
      `INSERT INTO raw.${table} (${cols.join(', ')}) VALUES (${params})`,
      cols.map((c) => row[c] as DuckDBValue),
    );
  }
}

/** Open a connection, run `fn`, close it. */
export async function withConnection<T>(
  w: Warehouse,
  fn: (c: DuckDBConnection) => Promise<T>,
): Promise<T> {
  const conn = await w.connect();
  try {
    return await fn(conn);
  } finally {
    conn.closeSync();
  }
}

/** Rows of a query as plain objects (DECIMAL and BIGINT as strings). */
export async function rowsOf(w: Warehouse, sql: string): Promise<Record<string, unknown>[]> {
  return withConnection(w, async (c) => (await c.runAndReadAll(sql)).getRowObjectsJson());
}

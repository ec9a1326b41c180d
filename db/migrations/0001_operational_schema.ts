/**
 * The operational schema for the whole product, designed up front so later work only adds to it.
 *
 * Conventions every table follows (the warehouse extractor relies on them):
 * - `created_at` / `updated_at` timestamptz; a trigger keeps `updated_at` (clock time, so rows
 *   written late in a long transaction still sort after the extractor's previous watermark less
 *   its safety lag).
 * - deletes are soft (`deleted_at`) where a user deletes; any hard delete is recorded in
 *   `deleted_rows` by a trigger so the warehouse can see it.
 * - money `numeric(14,2)`, unit prices and costs `numeric(14,4)`, fractions `numeric(5,4)`,
 *   quantities integers.
 */
import { sql, type Kysely } from 'kysely';
import { ACCESS_TABLES } from './0001_operational_schema/access.ts';
import { CATALOG_TABLES } from './0001_operational_schema/catalog.ts';
import { CHANGE_TRACKING } from './0001_operational_schema/change-tracking.ts';
import { CRM_TABLES, QUOTAS_AND_ACTIVITIES } from './0001_operational_schema/crm.ts';
import { ORDER_TABLES } from './0001_operational_schema/orders.ts';
import { STOCK_ALERTS, STOCK_TABLES } from './0001_operational_schema/stock.ts';

const TABLES_WITH_TRIGGERS = [
  'teams',
  'sales_reps',
  'customers',
  'contacts',
  'opportunities',
  'opportunity_stage_history',
  'activities',
  'quotas',
  'product_categories',
  'products',
  'product_price_history',
  'price_lists',
  'price_list_items',
  'warehouses',
  'stock_levels',
  'stock_movements',
  'reorder_rules',
  'orders',
  'order_lines',
  'order_events',
  'order_rules',
  'alerts',
  'api_keys',
  'audit_log',
];

/**
 * The schema's statements, one file per concern, in the order this migration has always run
 * them: the same text existing databases applied (a foreign key needs its table first, so quotas
 * and activities follow the orders).
 */
const SCHEMA = [
  CHANGE_TRACKING,
  CRM_TABLES,
  CATALOG_TABLES,
  STOCK_TABLES,
  ORDER_TABLES,
  QUOTAS_AND_ACTIVITIES,
  STOCK_ALERTS,
  ACCESS_TABLES,
].join('');

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(SCHEMA).execute(db);

  for (const table of TABLES_WITH_TRIGGERS) {
    const key = table === 'stock_levels' ? ['product_id', 'warehouse_id'] : ['id'];
    await sql`
      CREATE TRIGGER ${sql.id(`${table}_updated_at`)} BEFORE UPDATE ON ${sql.table(table)}
        FOR EACH ROW EXECUTE FUNCTION set_updated_at();
      CREATE TRIGGER ${sql.id(`${table}_hard_delete`)} AFTER DELETE ON ${sql.table(table)}
        FOR EACH ROW EXECUTE FUNCTION record_hard_delete(${sql.raw(key.map((k) => `'${k}'`).join(','))});
    `.execute(db);
    if (!['stock_levels', 'stock_movements', 'orders', 'order_lines'].includes(table)) {
      await sql`CREATE INDEX ${sql.id(`${table}_updated_at_idx`)} ON ${sql.table(table)} (updated_at)`.execute(
        db,
      );
    }
  }
  await sql`CREATE INDEX stock_levels_updated_at ON stock_levels (updated_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [...TABLES_WITH_TRIGGERS].reverse()) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)} CASCADE`.execute(db);
  }
  await sql`DROP TABLE IF EXISTS deleted_rows; DROP FUNCTION IF EXISTS set_updated_at(); DROP FUNCTION IF EXISTS record_hard_delete();`.execute(
    db,
  );
}

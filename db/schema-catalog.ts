/**
 * Table types of the catalog and stock (db/migrations/0001_operational_schema/catalog.ts and
 * stock.ts): categories, products and their prices, warehouses, stock levels, the movement
 * ledger, reorder rules and stock alerts. Beside db/schema.ts, which lists them in `DB`.
 */
import type { ColumnType, Generated } from 'kysely';
import type { Id, NullableStamp, Numeric, SoftDelete, Stamp, Timestamps } from './schema.ts';

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

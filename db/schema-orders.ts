/**
 * Table types of orders (db/migrations/0001_operational_schema/orders.ts): orders, their lines,
 * the event outbox and the order rules. Beside db/schema.ts, which lists them in `DB`.
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

/** Request/response shapes for orders, order actions and order rules. */
import type { Selectable } from 'kysely';
import { z } from 'zod';
import { decimalText } from '../openapi.ts';
import type {
  OrderEventsTable,
  OrderLinesTable,
  OrderRulesTable,
  OrdersTable,
} from '../../db/schema-orders.ts';
import { formatPrice } from './money.ts';
import { WRITABLE_RULE_PARAMS } from './rules.ts';
import { fractionInput, idInput, idText, priceInput, timestampInput } from '../fields.ts';

const STATUSES = [
  'draft',
  'pending_approval',
  'confirmed',
  'shipped',
  'delivered',
  'cancelled',
  'returned',
] as const;

export const createOrderBody = z.strictObject({
  customerId: idInput,
  repId: idInput.nullable().optional(),
  warehouseId: idInput.optional(),
  notes: z.string().max(2000).nullable().optional(),
  lines: z
    .array(
      z.strictObject({
        productId: idInput,
        quantity: z.number().int().min(1).max(1_000_000),
        unitPrice: priceInput.optional(),
        discount: fractionInput.optional(),
      }),
    )
    .min(1)
    .max(500),
});
export type CreateOrderBody = z.infer<typeof createOrderBody>;

export const returnBody = z.strictObject({
  lines: z
    .array(z.strictObject({ lineId: idInput, quantity: z.number().int().min(1).max(1_000_000) }))
    .min(1)
    .max(500),
  reason: z.string().trim().min(1).max(500).optional(),
});
export const cancelBody = z.strictObject({ reason: z.string().trim().min(1).max(500).optional() });

export const orderQuery = z.object({
  status: z.enum(STATUSES).optional(),
  customerId: idText.optional(),
  repId: idText.optional(),
  from: timestampInput.optional(),
  to: timestampInput.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

export const orderLineDto = z.object({
  id: z.number(),
  lineNo: z.number(),
  productId: z.number(),
  quantity: z.number(),
  unitPrice: decimalText,
  discount: decimalText,
  lineTotal: decimalText,
  returnedQuantity: z.number(),
});
export const orderEventDto = z.object({
  id: z.number(),
  type: z.string(),
  fromStatus: z.string().nullable(),
  toStatus: z.string().nullable(),
  payload: z.unknown(),
  occurredAt: z.string(),
});
export const orderSummaryDto = z.object({
  id: z.number(),
  number: z.string(),
  customerId: z.number(),
  repId: z.number().nullable(),
  warehouseId: z.number().nullable(),
  status: z.enum(STATUSES),
  currency: z.string(),
  subtotal: decimalText,
  discountTotal: decimalText,
  returnedTotal: decimalText,
  total: decimalText,
  source: z.string(),
  notes: z.string().nullable(),
  orderedAt: z.string(),
  confirmedAt: z.string().nullable(),
  approvedAt: z.string().nullable(),
  shippedAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  cancelledAt: z.string().nullable(),
  returnedAt: z.string().nullable(),
  paidAt: z.string().nullable(),
});
export const orderDto = orderSummaryDto.extend({
  lines: z.array(orderLineDto),
  events: z.array(orderEventDto),
});

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function toOrderSummaryDto(o: Selectable<OrdersTable>): z.infer<typeof orderSummaryDto> {
  return {
    id: o.id,
    number: o.number,
    customerId: o.customer_id,
    repId: o.rep_id,
    warehouseId: o.warehouse_id,
    status: o.status,
    currency: o.currency,
    subtotal: o.subtotal,
    discountTotal: o.discount_total,
    returnedTotal: o.returned_total,
    total: o.total,
    source: o.source,
    notes: o.notes,
    orderedAt: o.ordered_at.toISOString(),
    confirmedAt: iso(o.confirmed_at),
    approvedAt: iso(o.approved_at),
    shippedAt: iso(o.shipped_at),
    deliveredAt: iso(o.delivered_at),
    cancelledAt: iso(o.cancelled_at),
    returnedAt: iso(o.returned_at),
    paidAt: iso(o.paid_at),
  };
}

/** An order line as the API shows it (api/orders/combined-sql.ts LINE_DTO_JSON says it in SQL). */
export function toOrderLineDto(l: Selectable<OrderLinesTable>): z.infer<typeof orderLineDto> {
  return {
    id: l.id,
    lineNo: l.line_no,
    productId: l.product_id,
    quantity: l.quantity,
    unitPrice: formatPrice(l.unit_price),
    discount: l.discount,
    lineTotal: l.line_total,
    returnedQuantity: l.returned_quantity,
  };
}

export function toOrderDto(
  o: Selectable<OrdersTable>,
  lines: Selectable<OrderLinesTable>[],
  events: Selectable<OrderEventsTable>[],
): z.infer<typeof orderDto> {
  return {
    ...toOrderSummaryDto(o),
    lines: lines.map(toOrderLineDto),
    events: events.map((e) => ({
      id: e.id,
      type: e.event_type,
      fromStatus: e.from_status,
      toStatus: e.to_status,
      payload: e.payload,
      occurredAt: e.occurred_at.toISOString(),
    })),
  };
}

// --- order rules ---
const ruleKind = z.enum([
  'credit_limit',
  'max_discount',
  'approval_above_total',
  'minimum_order_value',
  'blocked_customer',
]);
export const ruleIdParams = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a slug like "credit-limit"'),
});
export const createRuleBody = z
  .strictObject({
    id: ruleIdParams.shape.id,
    kind: ruleKind,
    params: z.record(z.string(), z.unknown()).default({}),
    active: z.boolean().optional(),
    description: z.string().max(500).nullable().optional(),
  })
  .superRefine((b, ctx) => checkParams(b.kind, b.params, ctx));
export const updateRuleBody = z.strictObject({
  params: z.record(z.string(), z.unknown()).optional(),
  active: z.boolean().optional(),
  description: z.string().max(500).nullable().optional(),
});

/** Report parameter problems of `kind` as issues under `params`. */
export function checkParams(
  kind: keyof typeof WRITABLE_RULE_PARAMS,
  params: unknown,
  ctx: { addIssue: (i: { code: 'custom'; message: string; path: PropertyKey[] }) => void },
) {
  const r = WRITABLE_RULE_PARAMS[kind].safeParse(params);
  if (r.success) return;
  for (const i of r.error.issues)
    ctx.addIssue({ code: 'custom', message: i.message, path: ['params', ...i.path] });
}

export const ruleDto = z.object({
  id: z.string(),
  kind: ruleKind,
  params: z.unknown(),
  active: z.boolean(),
  description: z.string().nullable(),
  updatedAt: z.string(),
});
export function toRuleDto(r: Selectable<OrderRulesTable>): z.infer<typeof ruleDto> {
  return {
    id: r.id,
    kind: r.kind,
    params: r.params,
    active: r.active,
    description: r.description,
    updatedAt: r.updated_at.toISOString(),
  };
}

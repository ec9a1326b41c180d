/** Request/response shapes for warehouses, stock, movements, reorder rules and alerts. */
import type { Selectable } from 'kysely';
import { z } from 'zod';
import type {
  AlertsTable,
  ReorderRulesTable,
  StockMovementsTable,
  WarehousesTable,
} from '../../db/schema-catalog.ts';
import { idInput, idText } from '../fields.ts';

const qty = z.number().int().min(1).max(1_000_000_000);
const reason = z.string().trim().min(1).max(500);

export const warehouseBody = z.strictObject({
  code: z.string().trim().min(1).max(32),
  name: z.string().trim().min(1).max(200),
  city: z.string().trim().max(200).nullable().optional(),
  active: z.boolean().optional(),
});
export const warehousePatch = warehouseBody.partial();
export const warehouseDto = z.object({
  id: z.number(),
  code: z.string(),
  name: z.string(),
  city: z.string().nullable(),
  active: z.boolean(),
});
export function toWarehouseDto(r: Selectable<WarehousesTable>): z.infer<typeof warehouseDto> {
  return { id: r.id, code: r.code, name: r.name, city: r.city, active: r.active };
}

export const stockQuery = z.object({
  productId: idText.optional(),
  warehouseId: idText.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  cursor: z.string().max(200).optional(),
});
export const stockLevelDto = z.object({
  productId: z.number(),
  warehouseId: z.number(),
  onHand: z.number(),
  reserved: z.number(),
  available: z.number(),
});
export function toStockLevelDto(r: {
  product_id: number;
  warehouse_id: number;
  on_hand: number;
  reserved: number;
}): z.infer<typeof stockLevelDto> {
  return {
    productId: r.product_id,
    warehouseId: r.warehouse_id,
    onHand: r.on_hand,
    reserved: r.reserved,
    available: r.on_hand - r.reserved,
  };
}

/** Movements a person may post; reservations, releases, shipments and returns come from orders. */
export const movementBody = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('receipt'),
    productId: idInput,
    warehouseId: idInput,
    quantity: qty,
    reason: reason.optional(),
  }),
  z.strictObject({
    type: z.literal('adjustment'),
    productId: idInput,
    warehouseId: idInput,
    quantity: z
      .number()
      .int()
      .min(-1_000_000_000)
      .max(1_000_000_000)
      .refine((n) => n !== 0, 'must not be 0'),
    reason,
  }),
  z
    .strictObject({
      type: z.literal('transfer'),
      productId: idInput,
      fromWarehouseId: idInput,
      toWarehouseId: idInput,
      quantity: qty,
      reason: reason.optional(),
    })
    .refine((b) => b.fromWarehouseId !== b.toWarehouseId, {
      message: 'must differ from fromWarehouseId',
      path: ['toWarehouseId'],
    }),
]);
export type MovementBody = z.infer<typeof movementBody>;

export const movementQuery = z.object({
  productId: idText.optional(),
  warehouseId: idText.optional(),
  type: z
    .enum([
      'receipt',
      'adjustment',
      'transfer_in',
      'transfer_out',
      'reservation',
      'release',
      'shipment',
      'return',
    ])
    .optional(),
  orderId: idText.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional(),
});
export const movementDto = z.object({
  id: z.number(),
  productId: z.number(),
  warehouseId: z.number(),
  type: z.string(),
  onHandDelta: z.number(),
  reservedDelta: z.number(),
  referenceType: z.string().nullable(),
  referenceId: z.number().nullable(),
  reason: z.string().nullable(),
  occurredAt: z.string(),
});
export function toMovementDto(r: Selectable<StockMovementsTable>): z.infer<typeof movementDto> {
  return {
    id: r.id,
    productId: r.product_id,
    warehouseId: r.warehouse_id,
    type: r.movement_type,
    onHandDelta: r.on_hand_delta,
    reservedDelta: r.reserved_delta,
    referenceType: r.reference_type,
    referenceId: r.reference_id,
    reason: r.reason,
    occurredAt: r.occurred_at.toISOString(),
  };
}
export const movementResultDto = z.object({
  movements: z.array(movementDto),
  levels: z.array(stockLevelDto),
  alertIds: z.array(z.number()),
});

export const reorderRuleBody = z.strictObject({
  productId: idInput,
  warehouseId: idInput,
  reorderPoint: z.number().int().min(0).max(1_000_000_000),
  reorderQuantity: qty,
  leadTimeDays: z.number().int().min(0).max(3650).nullable().optional(),
});
export const reorderRulePatch = reorderRuleBody
  .omit({ productId: true, warehouseId: true })
  .partial();
export const reorderRuleDto = z.object({
  id: z.number(),
  productId: z.number(),
  warehouseId: z.number(),
  reorderPoint: z.number(),
  reorderQuantity: z.number(),
  leadTimeDays: z.number().nullable(),
});
export function toReorderRuleDto(r: Selectable<ReorderRulesTable>): z.infer<typeof reorderRuleDto> {
  return {
    id: r.id,
    productId: r.product_id,
    warehouseId: r.warehouse_id,
    reorderPoint: r.reorder_point,
    reorderQuantity: r.reorder_quantity,
    leadTimeDays: r.lead_time_days,
  };
}

export const alertQuery = z.object({
  open: z.enum(['true', 'false']).optional(),
  productId: idText.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional(),
});
export const alertDto = z.object({
  id: z.number(),
  kind: z.string(),
  productId: z.number().nullable(),
  warehouseId: z.number().nullable(),
  message: z.string(),
  payload: z.unknown(),
  raisedAt: z.string(),
  acknowledgedAt: z.string().nullable(),
});
export function toAlertDto(r: Selectable<AlertsTable>): z.infer<typeof alertDto> {
  return {
    id: r.id,
    kind: r.kind,
    productId: r.product_id,
    warehouseId: r.warehouse_id,
    message: r.message,
    payload: r.payload,
    raisedAt: r.raised_at.toISOString(),
    acknowledgedAt: r.acknowledged_at?.toISOString() ?? null,
  };
}

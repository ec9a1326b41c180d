/** Request/response shapes for categories, products, price lists and price resolution. */
import { z } from 'zod';
import { decimalText } from '../openapi.ts';
import type { Selectable } from 'kysely';
import type {
  PriceListItemsTable,
  PriceListsTable,
  ProductCategoriesTable,
  ProductPriceHistoryTable,
  ProductsTable,
} from '../../db/schema-catalog.ts';
import { formatPrice } from '../orders/money.ts';
import { customerGroupInput } from '../customers/fields.ts';
import { idInput, idParams, idText, priceInput, timestampInput } from '../fields.ts';

export const itemParams = idParams.extend({ itemId: idText });
const name = z.string().trim().min(1).max(200);

// --- categories ---
export const categoryBody = z.strictObject({ name, parentId: idInput.nullable().optional() });
export const categoryPatch = categoryBody.partial();
export const categoryDto = z.object({
  id: z.number(),
  name: z.string(),
  parentId: z.number().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export function toCategoryDto(r: Selectable<ProductCategoriesTable>): z.infer<typeof categoryDto> {
  return {
    id: r.id,
    name: r.name,
    parentId: r.parent_id,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

// --- products ---
export const productBody = z.strictObject({
  sku: z.string().trim().min(1).max(64),
  name,
  categoryId: idInput.nullable().optional(),
  listPrice: priceInput,
  cost: priceInput.nullable().optional(),
  active: z.boolean().optional(),
});
export const productPatch = productBody.partial();
export const productQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
  q: z.string().trim().min(1).max(200).optional(),
  categoryId: idText.optional(),
  active: z.enum(['true', 'false']).optional(),
});
export const productDto = z.object({
  id: z.number(),
  sku: z.string(),
  name: z.string(),
  categoryId: z.number().nullable(),
  listPrice: decimalText,
  cost: decimalText.nullable(),
  active: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export function toProductDto(r: Selectable<ProductsTable>): z.infer<typeof productDto> {
  return {
    id: r.id,
    sku: r.sku,
    name: r.name,
    categoryId: r.category_id,
    listPrice: formatPrice(r.list_price),
    cost: r.cost === null ? null : formatPrice(r.cost),
    active: r.active,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}
export const priceHistoryDto = z.object({
  listPrice: decimalText,
  cost: decimalText.nullable(),
  validFrom: z.string(),
});
export function toPriceHistoryDto(
  r: Selectable<ProductPriceHistoryTable>,
): z.infer<typeof priceHistoryDto> {
  return {
    listPrice: formatPrice(r.list_price),
    cost: r.cost === null ? null : formatPrice(r.cost),
    validFrom: r.valid_from.toISOString(),
  };
}

// --- price lists ---
export const priceListBody = z.strictObject({
  name,
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be a 3-letter currency code')
    .optional(),
  active: z.boolean().optional(),
});
export const priceListPatch = priceListBody.partial();
export const priceListDto = z.object({
  id: z.number(),
  name: z.string(),
  currency: z.string(),
  active: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export function toPriceListDto(r: Selectable<PriceListsTable>): z.infer<typeof priceListDto> {
  return {
    id: r.id,
    name: r.name,
    currency: r.currency,
    active: r.active,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

const itemFields = z.strictObject({
  productId: idInput,
  customerGroup: customerGroupInput.nullable().optional().describe('null: every customer'),
  minQuantity: z.number().int().min(1).max(1_000_000_000).optional(),
  unitPrice: priceInput,
  validFrom: timestampInput.nullable().optional(),
  validTo: timestampInput.nullable().optional(),
});
const validRange = (v: { validFrom?: Date | null; validTo?: Date | null }) =>
  !v.validFrom || !v.validTo || v.validTo > v.validFrom;
export const priceListItemBody = itemFields.refine(validRange, {
  message: 'validTo must be after validFrom',
  path: ['validTo'],
});
export const priceListItemPatch = itemFields.partial().refine(validRange, {
  message: 'validTo must be after validFrom',
  path: ['validTo'],
});
export const priceListItemDto = z.object({
  id: z.number(),
  priceListId: z.number(),
  productId: z.number(),
  customerGroup: z.string().nullable(),
  minQuantity: z.number(),
  unitPrice: decimalText,
  validFrom: z.string().nullable(),
  validTo: z.string().nullable(),
});
export function toPriceListItemDto(
  r: Selectable<PriceListItemsTable>,
): z.infer<typeof priceListItemDto> {
  return {
    id: r.id,
    priceListId: r.price_list_id,
    productId: r.product_id,
    customerGroup: r.customer_group,
    minQuantity: r.min_quantity,
    unitPrice: formatPrice(r.unit_price),
    validFrom: r.valid_from?.toISOString() ?? null,
    validTo: r.valid_to?.toISOString() ?? null,
  };
}

// --- price resolution ---
export const priceQuery = z.object({
  customerId: idText.optional(),
  quantity: z.coerce.number().int().min(1).max(1_000_000_000).default(1),
  at: timestampInput.optional(),
});
export const resolvedPriceDto = z.object({
  productId: z.number(),
  quantity: z.number(),
  at: z.string(),
  unitPrice: decimalText,
  source: z.enum(['price_list', 'list_price']),
  priceListId: z.number().nullable(),
  priceListName: z.string().nullable(),
  priceListItemId: z.number().nullable(),
  customerGroup: z.string().nullable(),
  minQuantity: z.number().nullable(),
  reason: z.string(),
});

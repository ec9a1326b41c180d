/** Request and response shapes of the report endpoints (the OpenAPI document is built from these). */
import { z } from 'zod';
import { dateInput, idText } from '../fields.ts';
import { decimalMeta } from '../openapi.ts';
import { countryFilter, repCodeFilter } from './filters.ts';

const format = z.enum(['json', 'csv']).default('json');

export const SALES_GROUPS = [
  'year',
  'month',
  'day',
  'category',
  'product',
  'customer',
  'rep',
  'team',
  'country',
] as const;
export type SalesGroup = (typeof SALES_GROUPS)[number];

export const salesQuery = z
  .object({
    groupBy: z.enum(SALES_GROUPS).default('month'),
    from: dateInput.optional(),
    to: dateInput.optional(),
    category: idText.optional(),
    team: idText.optional(),
    /** A rep's code (R-ANA): orders taken by that rep. An unknown code is a 400. */
    rep: repCodeFilter.optional(),
    /** ISO 3166-1 alpha-2, any case: orders of customers in that country. */
    country: countryFilter.optional(),
    format,
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'from is after to', path: ['to'] });

/**
 * Money leaves the API as a decimal string with 2 places, rounded half away from zero. The CSV
 * writer recognises this schema to keep such cells numbers.
 */
export const money = z
  .string()
  .regex(/^-?\d+\.\d{2}$/)
  .meta(decimalMeta(/^-?\d+\.\d{2}$/));

export const salesRow = z.object({
  /** Period text (2026, 2026-03, 2026-03-31), an id, or a country; null when the lines have none. */
  key: z.union([z.string(), z.number()]).nullable(),
  /**
   * The business key people use: customer code, SKU, rep code, country code; null for periods,
   * teams and categories (they have no code) and for lines without that dimension.
   */
  code: z.string().nullable(),
  label: z.string().nullable(),
  revenue: money,
  orders: z.number().int(),
  units: z.number().int(),
});
export type SalesRow = z.infer<typeof salesRow>;

export const salesReport = z.object({
  groupBy: z.enum(SALES_GROUPS),
  from: z.string().nullable(),
  to: z.string().nullable(),
  category: z.number().nullable(),
  team: z.number().nullable(),
  /** The rep code asked for, as given. */
  rep: z.string().nullable(),
  /** The country asked for, upper-cased. */
  country: z.string().nullable(),
  rows: z.array(salesRow),
});

export const teamQuery = z.object({
  /** 2026-03 (month), 2026-Q1 (quarter) or 2026 (year); default: this month. */
  period: z
    .string()
    .regex(/^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$/, 'YYYY-MM, YYYY-Qn or YYYY')
    .optional(),
  team: idText.optional(),
  /** A rep's code (R-ANA): that rep's row only. An unknown code is a 400. */
  rep: repCodeFilter.optional(),
  format,
});

export const teamRow = z.object({
  level: z.enum(['team', 'rep']),
  teamId: z.number().nullable(),
  teamName: z.string().nullable(),
  repId: z.number().nullable(),
  repName: z.string().nullable(),
  revenue: money,
  orders: z.number().int(),
  quota: money.nullable(),
  attainment: z.number().nullable(),
  pipelineValue: money,
  weightedPipeline: money,
  won: z.number().int(),
  lost: z.number().int(),
  winRate: z.number().nullable(),
  averageDealSize: money.nullable(),
  salesCycleDays: z.number().nullable(),
  activitiesDone: z.number().int(),
});
export type TeamRow = z.infer<typeof teamRow>;

export const teamReport = z.object({
  period: z.string(),
  periodType: z.enum(['month', 'quarter', 'year']),
  rows: z.array(teamRow),
});

export const inventoryQuery = z.object({
  warehouse: idText.optional(),
  category: idText.optional(),
  belowReorderPoint: z.enum(['true', 'false']).optional(),
  format,
});

export const inventoryRow = z.object({
  productId: z.number(),
  sku: z.string().nullable(),
  productName: z.string().nullable(),
  categoryName: z.string().nullable(),
  warehouseId: z.number(),
  warehouseCode: z.string().nullable(),
  onHand: z.number().int(),
  reserved: z.number().int(),
  available: z.number().int(),
  unitsShipped30d: z.number().int(),
  unitsShipped90d: z.number().int(),
  avgDailyDemand30d: z.number(),
  avgDailyDemand90d: z.number(),
  daysOfCover30d: z.number().nullable(),
  daysOfCover90d: z.number().nullable(),
  /** The rule's point, else average daily demand (90 d) × (14 d lead time + 7 d safety stock). */
  reorderPoint: z.number().int().nullable(),
  /** rule: set on a reorder rule; demand: derived; null: neither (no rule, nothing shipped). */
  reorderPointSource: z.enum(['rule', 'demand']).nullable(),
  reorderQuantity: z.number().int().nullable(),
  belowReorderPoint: z.boolean().nullable(),
  suggestedReorderQuantity: z.number().int().nullable(),
});
export type InventoryRow = z.infer<typeof inventoryRow>;

export const inventoryReport = z.object({
  asOf: z.string().nullable(),
  rows: z.array(inventoryRow),
});

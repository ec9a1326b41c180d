/** Request/response shapes for opportunities, and the row → DTO mappers. */
import type { Selectable } from 'kysely';
import { z } from 'zod';
import { decimalText } from '../openapi.ts';
import type {
  OpportunitiesTable,
  OpportunityLinesTable,
  OpportunityStageHistoryTable,
} from '../../db/schema-crm.ts';
import { flagQuery, iso, optionalText, requiredText } from '../customers/fields.ts';
import { pageSchema, paginationQuery } from '../pagination.ts';
import { STAGES } from './stages.ts';
import { dateInput, fractionInput, idInput, idText, moneyInput, priceInput } from '../fields.ts';

const lineInput = z.strictObject({
  productId: idInput,
  quantity: z.number().int().min(1).max(1_000_000),
  unitPrice: priceInput.optional().describe("default: the product's list price"),
  discount: fractionInput.optional(),
});
export type LineInput = z.output<typeof lineInput>;

const common = {
  ownerRepId: idInput.nullable().optional(),
  title: requiredText(300),
  stage: z.enum(STAGES).optional(),
  expectedValue: moneyInput.optional().describe('default: the sum of the lines'),
  probability: fractionInput.optional().describe('default: the stage default'),
  expectedCloseDate: dateInput.nullable().optional(),
  lostReason: optionalText(1000).describe('required when the stage is lost'),
  lines: z.array(lineInput).max(200).optional().describe('replaces all lines'),
};

export const opportunityBody = z.strictObject({ customerId: idInput, ...common });
export const opportunityPatch = z
  .strictObject({
    ...common,
    createOrder: z
      .boolean()
      .optional()
      .describe('with stage "won": create a draft order from the lines'),
  })
  .partial();
export type OpportunityCreate = z.output<typeof opportunityBody>;
export type OpportunityPatch = z.output<typeof opportunityPatch>;

export const opportunityListQuery = paginationQuery.extend({
  stage: z.enum(STAGES).optional(),
  open: flagQuery.optional().describe('true: not won or lost'),
  owner: z.union([z.literal('me'), idText]).optional(),
  customerId: idText.optional(),
});
export type OpportunityListQuery = z.output<typeof opportunityListQuery>;

const lineDto = z.object({
  lineNo: z.number(),
  productId: z.number(),
  quantity: z.number(),
  unitPrice: decimalText,
  discount: decimalText,
});

export const opportunityDto = z.object({
  id: z.number(),
  customerId: z.number(),
  ownerRepId: z.number().nullable(),
  title: z.string(),
  stage: z.enum(STAGES),
  expectedValue: decimalText,
  probability: decimalText,
  expectedCloseDate: z.string().nullable(),
  closedAt: z.string().nullable(),
  lostReason: z.string().nullable(),
  orderId: z.number().nullable().describe('draft order created when it was won'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type OpportunityDto = z.infer<typeof opportunityDto>;
export const opportunityPage = pageSchema(opportunityDto);

export const opportunityDetailDto = opportunityDto.extend({
  lines: z.array(lineDto),
  stageHistory: z.array(
    z.object({
      fromStage: z.string().nullable(),
      toStage: z.string(),
      changedAt: z.string(),
      changedByKeyId: z.number().nullable(),
    }),
  ),
});
export type OpportunityDetailDto = z.infer<typeof opportunityDetailDto>;

/** Row → DTO. */
export function toOpportunityDto(r: Selectable<OpportunitiesTable>): OpportunityDto {
  return {
    id: r.id,
    customerId: r.customer_id,
    ownerRepId: r.owner_rep_id,
    title: r.title,
    stage: r.stage,
    expectedValue: r.expected_value,
    probability: r.probability,
    expectedCloseDate: r.expected_close_date,
    closedAt: iso(r.closed_at),
    lostReason: r.lost_reason,
    orderId: r.order_id,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** Row + lines + history → detail DTO. */
export function toOpportunityDetail(
  r: Selectable<OpportunitiesTable>,
  lines: Selectable<OpportunityLinesTable>[],
  history: Selectable<OpportunityStageHistoryTable>[],
): OpportunityDetailDto {
  return {
    ...toOpportunityDto(r),
    lines: lines.map((l) => ({
      lineNo: l.line_no,
      productId: l.product_id,
      quantity: l.quantity,
      unitPrice: l.unit_price,
      discount: l.discount,
    })),
    stageHistory: history.map((h) => ({
      fromStage: h.from_stage,
      toStage: h.to_stage,
      changedAt: h.changed_at.toISOString(),
      changedByKeyId: h.changed_by_key_id,
    })),
  };
}

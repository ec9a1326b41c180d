/** Request/response shapes for customers, contacts, the customer picture and the timeline. */
import type { Selectable } from 'kysely';
import { z } from 'zod';
import { decimalText } from '../openapi.ts';
import type { ContactsTable, CustomersTable } from '../../db/schema-crm.ts';
import { activityDto } from '../activities/schemas.ts';
import { opportunityDto } from '../opportunities/schemas.ts';
import { pageSchema, paginationQuery } from '../pagination.ts';
import { CUSTOMER_GROUPS } from '../../db/schema-crm.ts';
import {
  countryCode,
  countryInput,
  customerGroupInput,
  flagQuery,
  iso,
  optionalText,
  requiredText,
} from './fields.ts';
import { fractionInput, idInput, idText, moneyInput } from '../fields.ts';
import { RFM_SEGMENTS } from '../../segment/rfm-segments.ts';
import { scoreFields, type ScoreDto } from './scores.ts';

const email = z
  .union([z.literal('').transform(() => null), z.email().max(320)])
  .nullable()
  .optional();

const customerFields = {
  code: requiredText(50),
  name: requiredText(200),
  email,
  phone: optionalText(50),
  address: optionalText(500),
  city: optionalText(100),
  country: countryInput.nullable().optional(),
  group: customerGroupInput.nullable().optional(),
  creditLimit: moneyInput.nullable().optional(),
  tags: z.array(z.string().trim().min(1).max(50)).max(50).optional(),
  ownerRepId: idInput.nullable().optional(),
  blocked: z.boolean().optional(),
};

export const customerBody = z.strictObject(customerFields);
export const customerPatch = z.strictObject(customerFields).partial();
export type CustomerInput = z.output<typeof customerPatch>;

export const customerListQuery = paginationQuery.extend({
  q: z.string().trim().max(200).optional().describe('search code, name, email, phone, city'),
  group: z.enum(CUSTOMER_GROUPS).optional(),
  tag: z.string().max(50).optional(),
  country: countryCode.optional(),
  owner: idText.optional().describe('owner rep id'),
  deleted: flagQuery.optional().describe('true: list soft-deleted customers instead'),
  segment: z
    .enum(RFM_SEGMENTS, {
      error: `must be one of the RFM segments: ${RFM_SEGMENTS.join(', ')}`,
    })
    .optional()
    .describe('RFM segment in the newest segment run'),
  churnRiskMin: fractionInput
    .optional()
    .describe('churn risk in the newest segment run at least this (0–1)'),
});
export type CustomerListQuery = z.output<typeof customerListQuery>;

export const customerDto = z.object({
  id: z.number(),
  code: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  address: z.string().nullable(),
  city: z.string().nullable(),
  country: z.string().nullable(),
  group: z.string().nullable(),
  creditLimit: decimalText.nullable(),
  tags: z.array(z.string()),
  ownerRepId: z.number().nullable(),
  blocked: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  deletedAt: z.string().nullable(),
});
export type CustomerDto = z.infer<typeof customerDto>;
/** A customer in the list: the customer and its scores of the newest segment run. */
export const customerListItem = customerDto.extend(scoreFields);
export type CustomerListItem = CustomerDto & ScoreDto;
export const customerPage = pageSchema(customerListItem);

export const contactBody = z.strictObject({
  name: requiredText(200),
  role: optionalText(100),
  email,
  phone: optionalText(50),
  primary: z.boolean().optional(),
});
export const contactPatch = contactBody.partial();
export type ContactInput = z.output<typeof contactPatch>;
export const contactParams = z.object({ id: idText, contactId: idText });

export const contactDto = z.object({
  id: z.number(),
  customerId: z.number(),
  name: z.string(),
  role: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  primary: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ContactDto = z.infer<typeof contactDto>;

const openOrderDto = z.object({
  id: z.number(),
  number: z.string(),
  status: z.string(),
  total: decimalText,
  orderedAt: z.string(),
});

/** GET customers/{id}: the customer's whole picture. */
export const customerPictureDto = customerDto.extend({
  contacts: z.array(contactDto),
  openOrders: z.array(openOrderDto),
  lifetimeRevenue: z.string().describe('Σ line revenue of revenue orders (docs/metrics.md)'),
  revenueOrders: z.number(),
  lastOrderDate: z.string().nullable().describe('date of the last revenue order, business zone'),
  openActivities: z.array(activityDto),
  opportunities: z.array(opportunityDto),
  ...scoreFields,
});
export type CustomerPictureDto = z.infer<typeof customerPictureDto>;

export const timelineQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(300).optional(),
});
export const timelineItem = z.object({
  kind: z.enum(['activity', 'order', 'order_event']),
  id: z.number(),
  at: z.string(),
  summary: z.string(),
  orderId: z.number().nullable(),
  detail: z.record(z.string(), z.unknown()),
});
export type TimelineItem = z.infer<typeof timelineItem>;
export const timelinePage = pageSchema(timelineItem);

/** Row → DTO. */
export function toCustomerDto(r: Selectable<CustomersTable>): CustomerDto {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    email: r.email,
    phone: r.phone,
    address: r.address,
    city: r.city,
    country: r.country,
    group: r.customer_group,
    creditLimit: r.credit_limit,
    tags: r.tags,
    ownerRepId: r.owner_rep_id,
    blocked: r.blocked,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    deletedAt: iso(r.deleted_at),
  };
}

/** Row → DTO. */
export function toContactDto(r: Selectable<ContactsTable>): ContactDto {
  return {
    id: r.id,
    customerId: r.customer_id,
    name: r.name,
    role: r.role,
    email: r.email,
    phone: r.phone,
    primary: r.is_primary,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

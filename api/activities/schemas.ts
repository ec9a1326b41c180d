/** Request/response shapes for activities, and the row → DTO mapper. */
import type { Selectable } from 'kysely';
import { z } from 'zod';
import type { ActivitiesTable } from '../../db/schema-crm.ts';
import { flagQuery, iso, optionalText, requiredText } from '../customers/fields.ts';
import { pageSchema, paginationQuery } from '../pagination.ts';
import { idInput, idText, timestampInput } from '../fields.ts';

export const ACTIVITY_TYPES = ['call', 'email', 'meeting', 'task'] as const;

const fields = {
  type: z.enum(ACTIVITY_TYPES),
  subject: requiredText(300),
  customerId: idInput.nullable().optional(),
  contactId: idInput.nullable().optional(),
  opportunityId: idInput.nullable().optional(),
  orderId: idInput.nullable().optional(),
  ownerRepId: idInput.nullable().optional(),
  dueAt: timestampInput.nullable().optional(),
  doneAt: timestampInput.nullable().optional(),
  outcome: optionalText(2000),
  notes: optionalText(20000),
};

export const activityBody = z.strictObject(fields);
export const activityPatch = z.strictObject(fields).partial();
export type ActivityInput = z.output<typeof activityPatch>;

export const activityListQuery = paginationQuery.extend({
  owner: z
    .union([z.literal('me'), idText])
    .optional()
    .describe('rep id, or "me"'),
  overdue: flagQuery.optional().describe('true: not done and due before now'),
  due: z.enum(['today']).optional().describe('today: due today in the business time zone'),
  open: flagQuery.optional().describe('true: not done; false: done'),
  type: z.enum(ACTIVITY_TYPES).optional(),
  customerId: idText.optional(),
  opportunityId: idText.optional(),
  orderId: idText.optional(),
});
export type ActivityListQuery = z.output<typeof activityListQuery>;

export const activityDto = z.object({
  id: z.number(),
  type: z.enum(ACTIVITY_TYPES),
  subject: z.string(),
  customerId: z.number().nullable(),
  contactId: z.number().nullable(),
  opportunityId: z.number().nullable(),
  orderId: z.number().nullable(),
  ownerRepId: z.number().nullable(),
  dueAt: z.string().nullable(),
  doneAt: z.string().nullable(),
  outcome: z.string().nullable(),
  notes: z.string().nullable(),
  followupRuleId: z.number().nullable().describe('the follow-up rule that created it'),
  causeKey: z.string().nullable().describe('what made the rule fire'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ActivityDto = z.infer<typeof activityDto>;
export const activityPage = pageSchema(activityDto);

/** Row → DTO. */
export function toActivityDto(r: Selectable<ActivitiesTable>): ActivityDto {
  return {
    id: r.id,
    type: r.activity_type,
    subject: r.subject,
    customerId: r.customer_id,
    contactId: r.contact_id,
    opportunityId: r.opportunity_id,
    orderId: r.order_id,
    ownerRepId: r.owner_rep_id,
    dueAt: iso(r.due_at),
    doneAt: iso(r.done_at),
    outcome: r.outcome,
    notes: r.notes,
    followupRuleId: r.followup_rule_id,
    causeKey: r.cause_key,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

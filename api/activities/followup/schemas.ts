/** Follow-up rules as data: trigger + condition + action, validated on write and on read. */
import type { Selectable } from 'kysely';
import { z } from 'zod';
import type { FollowupRulesTable, FollowupTrigger } from '../../../db/schema-crm.ts';
import { requiredText } from '../../customers/fields.ts';
import { OPEN_STAGES } from '../../opportunities/stages.ts';
import { ACTIVITY_TYPES } from '../schemas.ts';
import { fractionInput, idInput, moneyInput } from '../../fields.ts';
import { RFM_SEGMENTS } from '../../../segment/rfm-segments.ts';

export const TRIGGERS = [
  'order_delivered',
  'customer_created',
  'opportunity_idle',
  'churn_risk',
] as const satisfies readonly FollowupTrigger[];

/** When a rule fires, beyond its trigger. Every field is optional; all given must hold. */
export const followupCondition = z.strictObject({
  customerGroups: z
    .array(z.string().trim().min(1).max(100))
    .min(1)
    .max(50)
    .optional()
    .describe("the customer's group is one of these"),
  minOrderTotal: moneyInput.optional().describe('order_delivered: order total at least this'),
  idleDays: z
    .number()
    .int()
    .min(1)
    .max(365)
    .optional()
    .describe('opportunity_idle: days without activity (default 14)'),
  stages: z
    .array(z.enum(OPEN_STAGES as ['lead', 'qualified', 'proposal', 'negotiation']))
    .min(1)
    .optional()
    .describe('opportunity_idle: only opportunities in these stages'),
  minChurnRisk: fractionInput
    .optional()
    .describe('churn_risk: churn risk in the newest segment run at least this (default 0.6)'),
  minMonetaryScore: z
    .number()
    .int()
    .min(1)
    .max(5)
    .optional()
    .describe('churn_risk: "high value" — RFM monetary score at least this, 1–5 (default 4)'),
  segments: z
    .array(
      z.enum(RFM_SEGMENTS, {
        error: `must be one of the RFM segments: ${RFM_SEGMENTS.join(', ')}`,
      }),
    )
    .min(1)
    .optional()
    .describe('churn_risk: only customers in these RFM segments'),
});
export type FollowupCondition = z.output<typeof followupCondition>;

/**
 * The activity a rule creates. `{customer}`, `{order}`, `{opportunity}`, and for churn_risk
 * `{segment}` and `{churnRisk}` (a percentage), in the subject are filled in.
 */
export const followupAction = z.strictObject({
  activityType: z.enum(ACTIVITY_TYPES),
  subject: requiredText(300),
  dueInDays: z.number().int().min(0).max(365).default(0),
  assignToRepId: idInput
    .nullable()
    .optional()
    .describe("a fixed rep; default: the customer's owner rep (else the order's or opportunity's)"),
});
export type FollowupAction = z.output<typeof followupAction>;

/** Which condition fields make sense for which trigger. */
const FIELDS_FOR: Record<FollowupTrigger, readonly (keyof FollowupCondition)[]> = {
  order_delivered: ['customerGroups', 'minOrderTotal'],
  customer_created: ['customerGroups'],
  opportunity_idle: ['customerGroups', 'idleDays', 'stages'],
  churn_risk: ['customerGroups', 'minChurnRisk', 'minMonetaryScore', 'segments'],
};

/** Condition fields given that do not apply to `trigger` ([] when all fit). */
export function conditionMisfits(
  trigger: FollowupTrigger,
  condition: FollowupCondition | undefined,
): { field: string; message: string }[] {
  return Object.entries(condition ?? {})
    .filter(([k, v]) => v !== undefined && !FIELDS_FOR[trigger].includes(k as never))
    .map(([k]) => ({ field: `condition.${k}`, message: `does not apply to trigger ${trigger}` }));
}

export const followupRuleBody = z
  .strictObject({
    name: requiredText(200),
    trigger: z.enum(TRIGGERS),
    condition: followupCondition.default({}),
    action: followupAction,
    active: z.boolean().optional(),
  })
  .superRefine((v, ctx) => {
    for (const m of conditionMisfits(v.trigger, v.condition)) {
      ctx.addIssue({ code: 'custom', path: m.field.split('.'), message: m.message });
    }
  });

/** The trigger cannot change (that would be a different rule); the rest can. */
export const followupRulePatch = z.strictObject({
  name: requiredText(200).optional(),
  condition: followupCondition.optional(),
  action: followupAction.optional(),
  active: z.boolean().optional(),
});

export const followupRuleDto = z.object({
  id: z.number(),
  name: z.string(),
  trigger: z.enum(TRIGGERS),
  condition: followupCondition,
  action: followupAction,
  active: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type FollowupRuleDto = z.infer<typeof followupRuleDto>;

export const applyResultDto = z.object({
  created: z.number().describe('activities created by this run'),
  activityIds: z.array(z.number()),
});

/** Row → DTO; re-validates the stored JSON so a hand-edited row cannot mislead the evaluator. */
export function toFollowupRuleDto(r: Selectable<FollowupRulesTable>): FollowupRuleDto {
  return {
    id: r.id,
    name: r.name,
    trigger: r.trigger,
    condition: followupCondition.parse(r.condition ?? {}),
    action: followupAction.parse(r.action),
    active: r.active,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

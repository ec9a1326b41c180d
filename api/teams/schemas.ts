/** Request/response shapes for reps, teams and quotas, and the row → DTO mappers. */
import type { Selectable } from 'kysely';
import { z } from 'zod';
import { decimalText } from '../openapi.ts';
import type { QuotasTable, SalesRepsTable, TeamsTable } from '../../db/schema-crm.ts';
import { flagQuery, requiredText } from '../customers/fields.ts';
import { pageSchema, paginationQuery } from '../pagination.ts';
import { PERIOD_TYPES, periodEnd } from './periods.ts';
import { dateInput, idInput, idText, moneyInput } from '../fields.ts';

const repFields = {
  code: requiredText(50),
  name: requiredText(200),
  email: z
    .union([z.literal('').transform(() => null), z.email().max(320)])
    .nullable()
    .optional(),
  teamId: idInput.nullable().optional(),
  managerRepId: idInput.nullable().optional(),
  active: z.boolean().optional(),
};
export const repBody = z.strictObject(repFields);
export const repPatch = z.strictObject(repFields).partial();
export type RepInput = z.output<typeof repPatch>;

export const repListQuery = paginationQuery.extend({
  teamId: idText.optional(),
  active: flagQuery.optional(),
});

export const repDto = z.object({
  id: z.number(),
  code: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  teamId: z.number().nullable(),
  managerRepId: z.number().nullable(),
  active: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type RepDto = z.infer<typeof repDto>;
export const repPage = pageSchema(repDto);

const teamFields = { name: requiredText(200), managerRepId: idInput.nullable().optional() };
export const teamBody = z.strictObject(teamFields);
export const teamPatch = z.strictObject(teamFields).partial();
export type TeamInput = z.output<typeof teamPatch>;

export const teamDto = z.object({
  id: z.number(),
  name: z.string(),
  managerRepId: z.number().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type TeamDto = z.infer<typeof teamDto>;
export const teamDetailDto = teamDto.extend({ members: z.array(repDto) });

export const quotaBody = z
  .strictObject({
    repId: idInput.optional(),
    teamId: idInput.optional(),
    periodType: z.enum(PERIOD_TYPES),
    periodStart: dateInput,
    amount: moneyInput,
  })
  .superRefine((v, ctx) => {
    if ((v.repId === undefined) === (v.teamId === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['repId'],
        message: 'give exactly one of repId, teamId',
      });
    }
  });
export type QuotaCreate = z.output<typeof quotaBody>;
export const quotaPatch = z.strictObject({ amount: moneyInput.optional() });

export const quotaListQuery = paginationQuery.extend({
  repId: idText.optional(),
  teamId: idText.optional(),
  periodType: z.enum(PERIOD_TYPES).optional(),
});
export type QuotaListQuery = z.output<typeof quotaListQuery>;

export const quotaDto = z.object({
  id: z.number(),
  repId: z.number().nullable(),
  teamId: z.number().nullable(),
  periodType: z.enum(PERIOD_TYPES),
  periodStart: z.string(),
  periodEnd: z.string().describe('first day after the period'),
  amount: decimalText,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type QuotaDto = z.infer<typeof quotaDto>;
export const quotaPage = pageSchema(quotaDto);

/** Row → DTO. */
export function toRepDto(r: Selectable<SalesRepsTable>): RepDto {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    email: r.email,
    teamId: r.team_id,
    managerRepId: r.manager_rep_id,
    active: r.active,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** Row → DTO. */
export function toTeamDto(r: Selectable<TeamsTable>): TeamDto {
  return {
    id: r.id,
    name: r.name,
    managerRepId: r.manager_rep_id,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** Row → DTO. */
export function toQuotaDto(r: Selectable<QuotasTable>): QuotaDto {
  return {
    id: r.id,
    repId: r.rep_id,
    teamId: r.team_id,
    periodType: r.period_type,
    periodStart: r.period_start,
    periodEnd: periodEnd(r.period_type, r.period_start),
    amount: r.amount,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

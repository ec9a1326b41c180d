/** Request/response shapes for API keys. */
import { z } from 'zod';
import { ROLES } from '../../db/schema.ts';
import { idInput } from '../fields.ts';

export const roleSchema = z
  .enum(ROLES as [string, ...string[]])
  .transform((r) => r as (typeof ROLES)[number]);

export const createKeyBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  role: roleSchema,
  repId: idInput.nullable().optional(),
  userId: idInput
    .nullable()
    .optional()
    .describe('the user the key belongs to: disabling that user revokes it'),
});

export const apiKeyDto = z.object({
  id: z.number(),
  name: z.string(),
  role: z.string(),
  prefix: z.string(),
  repId: z.number().nullable(),
  userId: z.number().nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

export const createdKeyDto = apiKeyDto.extend({
  key: z.string().describe('shown once; store it now'),
});

export const meDto = z.object({
  keyId: z.number().nullable().describe('the API key; null for a browser session'),
  userId: z.number().nullable().describe('the signed-in user, or the user the key belongs to'),
  sessionId: z.number().nullable(),
  name: z.string(),
  role: z.string(),
  repId: z.number().nullable(),
});

type KeyRow = {
  id: number;
  name: string;
  role: string;
  key_prefix: string;
  rep_id: number | null;
  user_id: number | null;
  created_at: Date;
  last_used_at?: Date | null;
  revoked_at?: Date | null;
};

/** Row → DTO. */
export function toApiKeyDto(r: KeyRow): z.infer<typeof apiKeyDto> {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    prefix: r.key_prefix,
    repId: r.rep_id,
    userId: r.user_id,
    createdAt: r.created_at.toISOString(),
    lastUsedAt: r.last_used_at?.toISOString() ?? null,
    revokedAt: r.revoked_at?.toISOString() ?? null,
  };
}

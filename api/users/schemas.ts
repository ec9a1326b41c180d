/** Request/response shapes for /api/v1/users. */
import { z } from 'zod';
import { roleSchema } from '../auth/schemas.ts';
import { idInput } from '../fields.ts';

export const userDto = z.object({
  id: z.number(),
  email: z.string().nullable().describe('null only for the first admin until it sets one'),
  name: z.string(),
  role: z.string(),
  repId: z.number().nullable(),
  active: z.boolean(),
  hasPassword: z.boolean(),
  createdAt: z.string(),
  lastSignInAt: z.string().nullable(),
  lockedUntil: z.string().nullable().describe('set while failed sign-ins lock the account'),
});

export const linkDto = z.object({
  setPasswordUrl: z.string().describe('one-time link (24 h, single use); shown once'),
  expiresAt: z.string(),
});

export const createdUserDto = userDto.extend(linkDto.shape);

/** An email as people type it: trimmed, one @, no spaces; the database compares without case. */
export const emailInput = z
  .string()
  .trim()
  .max(320)
  .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'must be an email address such as ana@example.com');

export const createUserBody = z
  .strictObject({
    email: emailInput,
    role: roleSchema,
    name: z.string().trim().max(200).optional(),
    repId: idInput.nullable().optional(),
    repCode: z.string().trim().min(1).max(50).nullable().optional(),
  })
  .refine((b) => b.repId == null || b.repCode == null, {
    message: 'give repId or repCode, not both',
    path: ['repCode'],
  });

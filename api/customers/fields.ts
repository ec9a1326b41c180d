/**
 * Request field schemas shared by the CRM, pipeline and teams areas (customers, activities,
 * opportunities, teams): text, flags, country and customer group. Ids, money, prices, fractions,
 * dates and timestamps are in api/fields.ts, for every area.
 */
import { z } from 'zod';
import { COUNTRY_CODES, NOT_A_COUNTRY } from '../../db/countries.ts';
import { CUSTOMER_GROUPS } from '../../db/schema-crm.ts';

/** Optional free text: trimmed, empty → null. */
export function optionalText(max: number) {
  return z
    .string()
    .trim()
    .max(max)
    .transform((v) => (v === '' ? null : v))
    .nullable()
    .optional();
}

/** Required short text. */
export function requiredText(max: number) {
  return z.string().trim().min(1).max(max);
}

/** ISO string of a Date, or null. */
export function iso(d: Date | null | undefined): string | null {
  return d ? d.toISOString() : null;
}

/** Boolean query flag: "true"/"false"/"1"/"0". */
export const flagQuery = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

/** An ISO 3166-1 alpha-2 country code, upper-cased ("de" → "DE"). */
export const countryCode = z
  .string()
  .trim()
  .toUpperCase()
  .refine((v) => COUNTRY_CODES.has(v), NOT_A_COUNTRY);

/** A customer's country as sent in a body: a country code, or "" for none (→ null). */
export const countryInput = z.union([z.literal('').transform(() => null), countryCode]);

/** One of the defined customer groups (db/schema-crm.ts CUSTOMER_GROUPS); "" → null. */
export const customerGroupInput = z
  .enum([...CUSTOMER_GROUPS, ''], {
    error: `must be one of the customer groups: ${CUSTOMER_GROUPS.join(', ')}`,
  })
  .transform((v) => (v === '' ? null : v));

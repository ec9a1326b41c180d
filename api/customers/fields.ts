/**
 * Request field schemas shared by the CRM, pipeline and teams areas (customers, activities,
 * opportunities, teams), so "money" is validated the same way everywhere (ids, dates and
 * timestamps: api/fields.ts, for every area).
 */
import { z } from 'zod';
import { COUNTRY_CODES, NOT_A_COUNTRY } from '../../db/countries.ts';
import { CUSTOMER_GROUPS } from '../../db/schema.ts';
import { decimalMeta } from '../openapi.ts';

/** Money ≥ 0 with at most 2 decimals, as a string or number; kept as a decimal string. */
export const moneyInput = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).trim())
  .refine((v) => /^\d{1,12}(\.\d{1,2})?$/.test(v), {
    message: 'must be an amount ≥ 0 with at most 2 decimals, e.g. "1234.50"',
  })
  .meta(decimalMeta(/^\d{1,12}(\.\d{1,2})?$/));

/** A fraction between 0 and 1 with at most 4 decimals (probability, discount). */
export const fractionInput = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).trim())
  .refine((v) => /^(0(\.\d{1,4})?|1(\.0{1,4})?)$/.test(v), {
    message: 'must be a number between 0 and 1 with at most 4 decimals',
  })
  .meta(decimalMeta(/^(0(\.\d{1,4})?|1(\.0{1,4})?)$/));

/** A unit price ≥ 0 with at most 4 decimals. */
export const priceInput = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).trim())
  .refine((v) => /^\d{1,10}(\.\d{1,4})?$/.test(v), {
    message: 'must be a price ≥ 0 with at most 4 decimals',
  })
  .meta(decimalMeta(/^\d{1,10}(\.\d{1,4})?$/));

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

/** One of the defined customer groups (db/schema.ts CUSTOMER_GROUPS); "" → null. */
export const customerGroupInput = z
  .enum([...CUSTOMER_GROUPS, ''], {
    error: `must be one of the customer groups: ${CUSTOMER_GROUPS.join(', ')}`,
  })
  .transform((v) => (v === '' ? null : v));

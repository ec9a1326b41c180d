/**
 * How each cell of the import's files (files.ts) is checked. A cell that fails becomes a bad row
 * with a reason; a valid one is normalised for COPY (decimals as text, timestamps as ISO UTC — a
 * date without a time is midnight UTC).
 */
import { COUNTRY_CODES, NOT_A_COUNTRY } from '../../db/countries.ts';
import { CUSTOMER_GROUPS } from '../../db/schema-crm.ts';
import {
  containsNul,
  FRACTION,
  MONEY,
  NUL_MESSAGE,
  PRICE,
  timestampDate,
  timestampExists,
  UTC_DEFAULT_TIMESTAMP,
} from '../../api/fields.ts';
import type { CellType } from './files.ts';

/** SQL type of a staging column. */
export function sqlType(type: CellType): string {
  switch (type) {
    case 'money':
    case 'price':
    case 'fraction':
      return 'numeric';
    case 'quantity':
      return 'integer';
    case 'instant':
      return 'timestamptz';
    default:
      return 'text';
  }
}

/**
 * Statuses a historical order may have. Not draft or pending_approval: an import never moves
 * stock, and those would still be waiting to reserve it. `returned` means returned whole (see
 * load.ts): every line comes back and the net total is 0.
 */
const STATUSES = new Set(['confirmed', 'shipped', 'delivered', 'cancelled', 'returned']);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Check one non-empty cell: the normalised value, or an error message. */
export function checkCell(type: CellType, value: string): { ok: string } | { error: string } {
  // The API's rule: PostgreSQL cannot store U+0000, and COPY would fail the whole import with its
  // own text; a bad row names the file, line and column instead.
  if (containsNul(value)) return { error: NUL_MESSAGE };
  switch (type) {
    case 'text':
      return value.length <= 500 ? { ok: value } : { error: 'longer than 500 characters' };
    case 'email':
      return EMAIL.test(value) ? { ok: value } : { error: `not an email address: ${value}` };
    case 'money':
      return MONEY.test(value)
        ? { ok: value }
        : { error: `not an amount ≥ 0 with at most 2 decimals: ${value}` };
    case 'price':
      return PRICE.test(value)
        ? { ok: value }
        : { error: `not a price ≥ 0 with at most 4 decimals: ${value}` };
    case 'fraction': {
      // The API's pattern; a CSV export may write 0.05 as .05, so the leading zero is supplied.
      const fraction = value.startsWith('.') ? `0${value}` : value;
      return FRACTION.test(fraction)
        ? { ok: fraction }
        : { error: `not a fraction between 0 and 1: ${value}` };
    }
    case 'quantity':
      return /^\d{1,9}$/.test(value) && Number(value) > 0
        ? { ok: value }
        : { error: `not a whole quantity > 0: ${value}` };
    case 'instant': {
      let checked = instants.get(value);
      if (checked === undefined) {
        if (instants.size >= 50_000) instants.clear();
        checked = checkInstant(value);
        instants.set(value, checked);
      }
      return checked;
    }
    case 'country': {
      // The API's rule (db/countries.ts): reports group by country, so one spelling per country.
      const code = value.toUpperCase();
      return COUNTRY_CODES.has(code) ? { ok: code } : { error: `${NOT_A_COUNTRY}: ${value}` };
    }
    case 'group':
      return (CUSTOMER_GROUPS as readonly string[]).includes(value)
        ? { ok: value }
        : { error: `not a customer group (${CUSTOMER_GROUPS.join(', ')}): ${value}` };
    case 'status':
      return STATUSES.has(value)
        ? { ok: value }
        : {
            error: `status must be confirmed, shipped, delivered, cancelled or returned: ${value}`,
          };
  }
}

/**
 * Historical files repeat the same few thousand dates, and parsing one through Date is the
 * costliest check per cell; results are cached by text (bounded, cleared when full).
 */
const instants = new Map<string, { ok: string } | { error: string }>();

/**
 * The API's timestamp rule (api/fields.ts) with one difference: a time without an offset is UTC,
 * because CSV exports often carry none (UTC_DEFAULT_TIMESTAMP says why; docs/import.md).
 */
function checkInstant(value: string): { ok: string } | { error: string } {
  const m = UTC_DEFAULT_TIMESTAMP.exec(value);
  if (!m) return { error: `not an ISO date or timestamp: ${value}` };
  // Date would roll 2026-02-30 over to March 2: the calendar is checked first, as in the API.
  if (!timestampExists(m)) return { error: `not a date that exists: ${value}` };
  return { ok: timestampDate(m).toISOString() };
}

/**
 * PostgreSQL errors that are the client's fault, in words: which field, what is wrong. The
 * database's own text (`Key (code)=(WH-1) already exists.`, constraint names, SQLSTATEs, "A field
 * with precision 14, scale 2 must round…") never reaches a client: it names our tables, and it
 * does not say which request field to fix.
 *
 * Known constraints map to a field and a sentence. Any other constraint named the PostgreSQL
 * default way (`<table>_<column>_key|fkey|check`) still names its column as a camelCase field;
 * anything else gets a general sentence. Zod schemas refuse most of these before the database is
 * asked (api/fields.ts, the areas' schemas); this is the net under them.
 */
import { AppError, type ErrorCode, type FieldError } from './errors.ts';

/** What node-postgres and PGlite put on a database error. */
export interface PostgresError {
  code?: string;
  detail?: string;
  constraint?: string;
  column?: string;
  table?: string;
}

/** Unique constraints by name: the field a client should change, and why. */
const UNIQUE: Record<string, Omit<FieldError, 'in'>> = {
  customers_code_key: { field: 'code', message: 'a customer with this code already exists' },
  customers_email_unique: { field: 'email', message: 'a customer with this email already exists' },
  sales_reps_code_key: { field: 'code', message: 'a sales rep with this code already exists' },
  users_email: { field: 'email', message: 'a user with this email already exists' },
  sql_saved_queries_user_name: {
    field: 'name',
    message: 'you already have a saved query with this name',
  },
  sql_saved_queries_key_name: {
    field: 'name',
    message: 'you already have a saved query with this name',
  },
  teams_name_key: { field: 'name', message: 'a team with this name already exists' },
  product_categories_name_key: {
    field: 'name',
    message: 'a category with this name already exists',
  },
  products_sku_key: { field: 'sku', message: 'a product with this SKU already exists' },
  price_lists_name_key: { field: 'name', message: 'a price list with this name already exists' },
  warehouses_code_key: { field: 'code', message: 'a warehouse with this code already exists' },
  reorder_rules_product_id_warehouse_id_key: {
    field: 'warehouseId',
    message: 'a reorder rule for this product and warehouse already exists',
  },
  order_rules_pkey: { field: 'id', message: 'an order rule with this id already exists' },
  quotas_rep_period: {
    field: 'periodStart',
    message: 'the rep already has a quota for this period',
  },
  quotas_team_period: {
    field: 'periodStart',
    message: 'the team already has a quota for this period',
  },
};

/** Check constraints whose default name does not say the column. */
const CHECKS: Record<string, Omit<FieldError, 'in'>> = {
  price_list_items_check: { field: 'validTo', message: 'must be after validFrom' },
  opportunities_check: { field: 'lostReason', message: 'is required when the stage is lost' },
  quotas_check: { field: 'repId', message: 'give exactly one of repId, teamId' },
};

/** snake_case column → the camelCase name the API uses for it. */
function fieldName(column: string): string {
  return column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The column in a default-named constraint `<table>_<column>_<suffix>`, if it is one. */
function defaultColumn(e: PostgresError, suffix: string): string | undefined {
  if (!e.table || !e.constraint?.startsWith(`${e.table}_`)) return undefined;
  const rest = e.constraint.slice(e.table.length + 1);
  if (!rest.endsWith(`_${suffix}`)) return undefined;
  const column = rest.slice(0, -(suffix.length + 1));
  return column && !column.includes('_id_') ? fieldName(column) : undefined;
}

/** The problem; a named field is one the request sent in its body (creates and patches). */
function problem(code: ErrorCode, message: string, field?: Omit<FieldError, 'in'>): AppError {
  const errors: FieldError[] = field
    ? [{ field: field.field, in: 'body', message: field.message }]
    : [];
  return new AppError(code, errors[0]?.message ?? message, errors.length ? { errors } : {});
}

/** The AppError for a PostgreSQL error a client caused, or undefined (a bug: 500). */
export function fromPostgres(e: PostgresError): AppError | undefined {
  switch (e.code) {
    case '23505': {
      // unique_violation
      const known = e.constraint ? UNIQUE[e.constraint] : undefined;
      if (known) return problem('conflict', known.message, known);
      const column = defaultColumn(e, 'key');
      return problem(
        'conflict',
        'a record with this value already exists',
        column ? { field: column, message: 'this value is already used' } : undefined,
      );
    }
    case '23503': {
      // foreign_key_violation: either the request names a record that does not exist, or it
      // removes one that others still use (the detail says which; it is read, never shown).
      if (/still referenced/.test(e.detail ?? ''))
        return problem('conflict', 'the record is still in use and cannot be removed');
      const column = defaultColumn(e, 'fkey');
      return problem(
        'unprocessable',
        'a referenced record does not exist',
        column ? { field: column, message: 'refers to a record that does not exist' } : undefined,
      );
    }
    case '23502':
      // not_null_violation
      return problem(
        'unprocessable',
        'a required value is missing',
        e.column ? { field: fieldName(e.column), message: 'is required' } : undefined,
      );
    case '23514': {
      // check_violation
      const known = e.constraint ? CHECKS[e.constraint] : undefined;
      if (known) return problem('unprocessable', known.message, known);
      const column = defaultColumn(e, 'check');
      return problem(
        'unprocessable',
        'a value is not allowed',
        column ? { field: column, message: 'this value is not allowed' } : undefined,
      );
    }
    case '22003':
      // numeric_value_out_of_range: the schemas bound every number a client sends, so this is
      // a figure derived from several of them; PostgreSQL does not say which column.
      return problem('bad_request', 'a number is out of range (too large for the field)');
    case '22001':
      return problem('bad_request', 'a text is too long');
    case '22P02':
      return problem('bad_request', 'a value has the wrong format');
    case '22007':
    case '22008':
      return problem('bad_request', 'a date or time is out of range');
    case '22021':
    case '22P05':
      return problem('bad_request', 'text must not contain the NUL character');
    default:
      return undefined;
  }
}

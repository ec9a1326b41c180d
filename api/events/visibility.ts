/**
 * Which events a caller may read from the feed: the same rules as the routes that show the
 * entities themselves (docs/access.md), so the feed never shows what GET /orders/{id} would
 * answer 404 for.
 *
 * - admin and analyst read every event, as they read every order and the audit log.
 * - managers and staff (team scope, api/auth/scope.ts):
 *   - an event with a customer: when that customer is in their team's scope *now* (owned by a
 *     rep of their team, or by nobody) — the feed follows the customer's current owner, as
 *     GET /orders does, so a customer handed to another team takes its history along;
 *   - opportunity events also need the opportunity's owner in their pipeline (staff: their own
 *     deals), activity events the activity's owner in their team;
 *   - quota events (no customer): managers, for their team or a rep of it (as GET /quotas);
 *     never staff;
 *   - other events without a customer: by area (the type's first part), only the areas every
 *     such role may read in full — the catalogue, stock, rules, reps and teams; managers also
 *     jobs, segmentation, ingest and model runs. Anything else (users, keys, imports, areas
 *     added later) stays hidden until it is listed here: a new event type fails closed.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Principal } from '../auth/principal.ts';
import type { Scope } from '../auth/scope.ts';

/** Areas of customer-less events that managers and staff both read (✓ rows of the matrix). */
const OPEN_AREAS = [
  'product',
  'category',
  'price_list',
  'price_list_item',
  'warehouse',
  'stock',
  'stock_level',
  'stock_movement',
  'reorder_rule',
  'alert',
  'order_rule',
  'followup_rule',
  'rep',
  'sales_rep',
  'team',
] as const;

/** More areas managers read: GET /jobs, /ingest/runs, /models, price suggestions. */
const MANAGER_AREAS = ['job', 'segment', 'ingest', 'model'] as const;

/** The areas of customer-less events a role sees (for the docs and tests too). */
export function openAreas(role: Principal['role']): readonly string[] {
  return role === 'manager' ? [...OPEN_AREAS, ...MANAGER_AREAS] : OPEN_AREAS;
}

/**
 * "The `table` row with id `id` exists and its `owner` is null or one of `reps`" — an unowned
 * record is visible to anyone in the area; a row that does not exist shows nothing (fail closed).
 */
function rowVisible(
  table: 'customers' | 'opportunities' | 'activities',
  owner: string,
  id: RawBuilder<unknown>,
  reps: readonly number[],
): RawBuilder<SqlBool> {
  return sql<SqlBool>`EXISTS (SELECT 1 FROM ${sql.table(table)} AS v
    WHERE v.id = ${id} AND coalesce(${sql.ref(`v.${owner}`)} = ANY(${[...reps]}::bigint[]), true))`;
}

/**
 * The event's entity id as a number. Only read under a CASE branch for entity types whose ids
 * are numbers; the regex keeps a malformed one from failing the cast (it then names no row).
 */
const entityNumber = sql`(CASE WHEN e.entity_id ~ '^[0-9]{1,18}$' THEN e.entity_id::bigint END)`;

/**
 * SQL condition on `events AS e` for what `principal` may read; `true` when unrestricted.
 * Costs a primary-key probe or two per scoped event (its customer; for opportunities, activities
 * and quotas the entity), on the page being read only.
 */
export function visibleEvents(principal: Principal, scope: Scope): RawBuilder<SqlBool> {
  const { team, pipeline } = scope;
  if (team === null || pipeline === null) return sql<SqlBool>`true`;
  const customer = rowVisible('customers', 'owner_rep_id', sql`e.customer_id`, team);
  const customerOk = sql<SqlBool>`(e.customer_id IS NULL OR ${customer})`;
  // As api/teams/quotas.ts: a rep's quota by its rep, a team's by the team of one of the reps.
  const quotaOk =
    principal.role === 'manager'
      ? sql<SqlBool>`EXISTS (SELECT 1 FROM quotas AS v WHERE v.id = ${entityNumber}
          AND CASE WHEN v.rep_id IS NOT NULL THEN v.rep_id = ANY(${[...team]}::bigint[])
            ELSE v.team_id IN (SELECT team_id FROM sales_reps WHERE id = ANY(${[...team]}::bigint[]))
          END)`
      : sql<SqlBool>`false`;
  return sql<SqlBool>`(CASE
    WHEN e.entity_type = 'opportunity' THEN ${customerOk}
      AND ${rowVisible('opportunities', 'owner_rep_id', entityNumber, pipeline)}
    WHEN e.entity_type = 'activity' THEN ${customerOk}
      AND ${rowVisible('activities', 'owner_rep_id', entityNumber, team)}
    WHEN e.entity_type = 'quota' THEN ${quotaOk}
    WHEN e.customer_id IS NOT NULL THEN ${customer}
    ELSE split_part(e.type, '.', 1) = ANY(${[...openAreas(principal.role)]}::text[])
  END)`;
}

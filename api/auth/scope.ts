/**
 * Team scoping. Staff and managers see only customers (and their orders, activities,
 * opportunities) owned by reps of their own team, plus customers that have no owner rep.
 * admin, analyst and executive see everything. A staff/manager key not tied to a rep sees only
 * unowned customers. Out-of-scope records answer 404, not 403, so their existence does not leak.
 */
import { sql, type Kysely, type RawBuilder, type SqlBool, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Principal } from './principal.ts';
import { fieldProblem, type AppError } from '../errors.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** The owner-rep ids the principal may see, or null when unrestricted. */
export async function visibleRepIds(db: Db, principal: Principal): Promise<number[] | null> {
  if (principal.role !== 'staff' && principal.role !== 'manager') return null;
  if (principal.repId == null) return [];
  const me = await db
    .selectFrom('sales_reps')
    .select('team_id')
    .where('id', '=', principal.repId)
    .executeTakeFirst();
  if (!me?.team_id) return [principal.repId];
  const reps = await db
    .selectFrom('sales_reps')
    .select('id')
    .where('team_id', '=', me.team_id)
    .execute();
  return reps.map((r) => r.id);
}

/** May the principal see a record owned by `ownerRepId` (null = unowned)? */
export function canSeeOwner(visible: number[] | null, ownerRepId: number | null): boolean {
  return visible === null || ownerRepId === null || visible.includes(ownerRepId);
}

/**
 * What a principal may see, loaded once per request before any transaction opens.
 * `team`: owner reps whose customers, activities (and orders) are visible.
 * `pipeline`: owner reps whose opportunities are visible — staff see only their own pipeline.
 * null = unrestricted. Unowned records are visible to anyone who can read the area.
 */
export interface Scope {
  team: number[] | null;
  pipeline: number[] | null;
}

/** Load the principal's Scope (one or two small queries; none for unrestricted roles). */
export async function loadScope(db: Db, principal: Principal): Promise<Scope> {
  const team = await visibleRepIds(db, principal);
  if (principal.role !== 'staff') return { team, pipeline: team };
  return { team, pipeline: principal.repId == null ? [] : [principal.repId] };
}

/**
 * SQL condition "`column` is null or one of `reps`" (true when unrestricted), for list queries
 * that must apply the same rule as canSeeOwner.
 */
export function ownerVisible(column: string, reps: number[] | null): RawBuilder<SqlBool> {
  if (reps === null) return sql<SqlBool>`true`;
  if (reps.length === 0) return sql<SqlBool>`${sql.ref(column)} IS NULL`;
  return sql<SqlBool>`(${sql.ref(column)} IS NULL OR ${sql.ref(column)} = ANY(${reps}::bigint[]))`;
}

/** `?owner=me` from a key that belongs to no sales rep: the lists that filter by owner say so. */
export function ownerMeWithoutRep(): AppError {
  return fieldProblem(
    'bad_request',
    'owner',
    'your key has no sales rep',
    'query',
    'owner=me needs an API key that belongs to a sales rep',
  );
}

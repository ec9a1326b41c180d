/** SQL for sales reps, teams and quotas. */
import type { Insertable, Kysely, Transaction, Updateable } from 'kysely';
import type { IdPage } from '../pagination.ts';
import type { DB } from '../../db/schema.ts';
import type { QuotasTable, SalesRepsTable, TeamsTable } from '../../db/schema-crm.ts';
import type { PeriodType } from './periods.ts';
import { listLiveRowsById } from '../../db/live-rows.ts';
import { updateRowById } from '../../db/update-row.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** A live rep; `lock`: FOR NO KEY UPDATE, for an update that follows (db/update-row.ts). */
export function findRep(db: Db, id: number, opts: { lock?: boolean } = {}) {
  return db
    .selectFrom('sales_reps')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .$if(opts.lock === true, (q) => q.forNoKeyUpdate())
    .executeTakeFirst();
}

export function findRepByCode(db: Db, code: string, exceptId?: number) {
  let q = db.selectFrom('sales_reps').select(['id', 'code', 'name']).where('code', '=', code);
  if (exceptId) q = q.where('id', '<>', exceptId);
  return q.executeTakeFirst();
}

export function insertRep(db: Db, row: Insertable<SalesRepsTable>) {
  return db.insertInto('sales_reps').values(row).returningAll().executeTakeFirstOrThrow();
}

export function updateRep(db: Db, id: number, set: Updateable<SalesRepsTable>) {
  return updateRowById(db, 'sales_reps', id, set);
}

export function listReps(
  db: Db,
  f: { teamId?: number; active?: boolean },
  after: number | undefined,
  limit: number,
) {
  let q = db.selectFrom('sales_reps').selectAll().where('deleted_at', 'is', null);
  if (after !== undefined) q = q.where('id', '>', after);
  if (f.teamId) q = q.where('team_id', '=', f.teamId);
  if (f.active !== undefined) q = q.where('active', '=', f.active);
  return q
    .orderBy('id')
    .limit(limit + 1)
    .execute();
}

/** A live team; `lock`: FOR NO KEY UPDATE, for an update that follows (db/update-row.ts). */
export function findTeam(db: Db, id: number, opts: { lock?: boolean } = {}) {
  return db
    .selectFrom('teams')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .$if(opts.lock === true, (q) => q.forNoKeyUpdate())
    .executeTakeFirst();
}

export function findTeamByName(db: Db, name: string, exceptId?: number) {
  let q = db.selectFrom('teams').select(['id', 'name']).where('name', '=', name);
  if (exceptId) q = q.where('id', '<>', exceptId);
  return q.executeTakeFirst();
}

export function insertTeam(db: Db, row: Insertable<TeamsTable>) {
  return db.insertInto('teams').values(row).returningAll().executeTakeFirstOrThrow();
}

export function updateTeam(db: Db, id: number, set: Updateable<TeamsTable>) {
  return updateRowById(db, 'teams', id, set);
}

export function listTeams(db: Db, page?: IdPage) {
  return listLiveRowsById(db, 'teams', page);
}

export function teamMembers(db: Db, teamId: number) {
  return db
    .selectFrom('sales_reps')
    .selectAll()
    .where('team_id', '=', teamId)
    .where('deleted_at', 'is', null)
    .orderBy('id')
    .execute();
}

/** Teams of the given reps (the teams a scoped manager may see quotas of). */
export async function teamsOfReps(db: Db, repIds: number[]): Promise<number[]> {
  if (!repIds.length) return [];
  const rows = await db
    .selectFrom('sales_reps')
    .select('team_id')
    .distinct()
    .where('id', 'in', repIds)
    .where('team_id', 'is not', null)
    .execute();
  return rows.map((r) => r.team_id!);
}

/** A live quota; `lock`: FOR NO KEY UPDATE, for an update that follows (db/update-row.ts). */
export function findQuota(db: Db, id: number, opts: { lock?: boolean } = {}) {
  return db
    .selectFrom('quotas')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .$if(opts.lock === true, (q) => q.forNoKeyUpdate())
    .executeTakeFirst();
}

/** Live quotas of one rep or team and period type starting in [from, to). */
export function quotasOfTarget(
  db: Db,
  target: { repId?: number; teamId?: number },
  type: PeriodType,
  from: string,
  to: string,
) {
  let q = db
    .selectFrom('quotas')
    .selectAll()
    .where('deleted_at', 'is', null)
    .where('period_type', '=', type)
    .where('period_start', '>=', from)
    .where('period_start', '<', to);
  q = target.repId
    ? q.where('rep_id', '=', target.repId)
    : q.where('team_id', '=', target.teamId ?? -1);
  return q.execute();
}

export function insertQuota(db: Db, row: Insertable<QuotasTable>) {
  return db.insertInto('quotas').values(row).returningAll().executeTakeFirstOrThrow();
}

export function updateQuota(db: Db, id: number, set: Updateable<QuotasTable>) {
  return updateRowById(db, 'quotas', id, set);
}

/** One page of quotas; `visible` limits to those reps' and teams' quotas (null = all). */
export function listQuotas(
  db: Db,
  f: { repId?: number; teamId?: number; periodType?: PeriodType },
  visible: { reps: number[]; teams: number[] } | null,
  after: number | undefined,
  limit: number,
) {
  let q = db.selectFrom('quotas').selectAll().where('deleted_at', 'is', null);
  if (visible) {
    q = q.where((eb) =>
      eb.or([
        ...(visible.reps.length ? [eb('rep_id', 'in', visible.reps)] : []),
        ...(visible.teams.length ? [eb('team_id', 'in', visible.teams)] : []),
        eb.val(false),
      ]),
    );
  }
  if (after !== undefined) q = q.where('id', '>', after);
  if (f.repId) q = q.where('rep_id', '=', f.repId);
  if (f.teamId) q = q.where('team_id', '=', f.teamId);
  if (f.periodType) q = q.where('period_type', '=', f.periodType);
  return q
    .orderBy('id')
    .limit(limit + 1)
    .execute();
}

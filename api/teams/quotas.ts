/**
 * Quotas: a target amount for a rep or a team and a calendar period. Managers set them for their
 * own team; one quota per target, period type and period (a second is a 409 naming the first).
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { recordAudit } from '../audit/audit.ts';
import type { Principal } from '../auth/principal.ts';
import { visibleRepIds } from '../auth/scope.ts';
import { AppError, fieldProblem, notFound } from '../errors.ts';
import { alignmentProblem, periodEnd, periodsOverlap } from './periods.ts';
import * as repo from './repository.ts';
import { toQuotaDto, type QuotaCreate, type QuotaDto } from './schemas.ts';
import { recordEvent } from '../events/record-event.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** The reps and teams whose quotas a principal sees (null = all). */
export async function quotaScope(db: Db, principal: Principal) {
  const reps = await visibleRepIds(db, principal);
  if (reps === null) return null;
  return { reps, teams: await repo.teamsOfReps(db, reps) };
}
type QuotaScope = Awaited<ReturnType<typeof quotaScope>>;

function quotaVisible(scope: QuotaScope, q: { rep_id: number | null; team_id: number | null }) {
  if (scope === null) return true;
  return q.rep_id !== null ? scope.reps.includes(q.rep_id) : scope.teams.includes(q.team_id!);
}

/** The quota if the caller may see it, 404 otherwise; `lock` for an update that follows. */
export async function getQuota(
  db: Db,
  scope: QuotaScope,
  id: number,
  opts: { lock?: boolean } = {},
): Promise<QuotaDto> {
  const q = await repo.findQuota(db, id, opts);
  if (!q || !quotaVisible(scope, q)) throw notFound('quota', id);
  return toQuotaDto(q);
}

export async function createQuota(db: Kysely<DB>, principal: Principal, input: QuotaCreate) {
  const scope = await quotaScope(db, principal);
  const misaligned = alignmentProblem(input.periodType, input.periodStart);
  if (misaligned) throw fieldProblem('unprocessable', 'periodStart', misaligned, 'body');
  return db.transaction().execute(async (trx) => {
    if (input.repId !== undefined) {
      if (
        !(await repo.findRep(trx, input.repId)) ||
        !quotaVisible(scope, { rep_id: input.repId, team_id: null })
      ) {
        throw fieldProblem(
          'unprocessable',
          'repId',
          `sales rep ${input.repId} does not exist${scope ? ' in your team' : ''}`,
          'body',
        );
      }
    } else if (
      !(await repo.findTeam(trx, input.teamId!)) ||
      !quotaVisible(scope, { rep_id: null, team_id: input.teamId! })
    ) {
      throw fieldProblem(
        'unprocessable',
        'teamId',
        `team ${input.teamId} does not exist${scope ? ' (or is not yours)' : ''}`,
        'body',
      );
    }
    // Any live quota of the same target and period type whose days overlap this one's.
    const yearBefore = `${String(Number(input.periodStart.slice(0, 4)) - 1).padStart(4, '0')}${input.periodStart.slice(4)}`;
    const candidates = await repo.quotasOfTarget(
      trx,
      input,
      input.periodType,
      yearBefore,
      periodEnd(input.periodType, input.periodStart),
    );
    const clash = candidates.find((c) =>
      periodsOverlap(
        { type: c.period_type, start: c.period_start },
        { type: input.periodType, start: input.periodStart },
      ),
    );
    if (clash) {
      const target =
        input.repId !== undefined ? `sales rep ${input.repId}` : `team ${input.teamId}`;
      throw new AppError(
        'conflict',
        `${target} already has quota ${clash.id} for the ${clash.period_type} starting ${clash.period_start}`,
        {
          errors: [{ field: 'periodStart', in: 'body', message: `overlaps quota ${clash.id}` }],
          conflictingQuota: toQuotaDto(clash),
        },
      );
    }
    const row = await repo.insertQuota(trx, {
      rep_id: input.repId ?? null,
      team_id: input.teamId ?? null,
      period_type: input.periodType,
      period_start: input.periodStart,
      amount: input.amount,
    });
    const dto = toQuotaDto(row);
    await recordAudit(trx, {
      principal,
      entity: 'quota',
      entityId: row.id,
      action: 'create',
      after: dto,
      events: [recordEvent('quota', 'created', dto, principal)],
    });
    return dto;
  });
}

export async function updateQuota(
  db: Kysely<DB>,
  principal: Principal,
  id: number,
  amount: string | undefined,
) {
  const scope = await quotaScope(db, principal);
  return db.transaction().execute(async (trx) => {
    const before = await getQuota(trx, scope, id, { lock: true });
    const dto = toQuotaDto(await repo.updateQuota(trx, id, { amount }));
    await recordAudit(trx, {
      principal,
      entity: 'quota',
      entityId: id,
      action: 'update',
      before,
      after: dto,
      events: [recordEvent('quota', 'updated', dto, principal)],
    });
    return dto;
  });
}

export async function deleteQuota(db: Kysely<DB>, principal: Principal, id: number) {
  const scope = await quotaScope(db, principal);
  await db.transaction().execute(async (trx) => {
    const before = await getQuota(trx, scope, id, { lock: true });
    const deleted = toQuotaDto(await repo.updateQuota(trx, id, { deleted_at: new Date() }));
    await recordAudit(trx, {
      principal,
      entity: 'quota',
      entityId: id,
      action: 'delete',
      before,
      after: null,
      events: [recordEvent('quota', 'deleted', deleted, principal)],
    });
  });
}

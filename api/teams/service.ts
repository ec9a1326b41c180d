/**
 * Reps and teams: who sells, in which team. Reference data that admins maintain (quotas are in
 * ./quotas.ts).
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { recordAudit } from '../audit/audit.ts';
import type { Principal } from '../auth/principal.ts';
import { AppError, fieldProblem, notFound, unknownReference } from '../errors.ts';
import { repAssignmentProblem } from './rep-rule.ts';
import * as repo from './repository.ts';
import { toRepDto, toTeamDto, type RepInput, type TeamInput } from './schemas.ts';
import { recordEvent } from '../events/record-event.ts';

type Db = Kysely<DB> | Transaction<DB>;

/**
 * Check that `repId` may own a record written by a caller whose team scope is `team` (null =
 * unrestricted), by the rule in ./rep-rule.ts; 422 naming `field` otherwise.
 */
export async function assertAssignableRep(
  db: Db,
  team: number[] | null,
  repId: number,
  field: string,
): Promise<void> {
  const problem = repAssignmentProblem(await repo.findRep(db, repId), repId, team, field);
  if (problem) throw problem;
}

async function checkRepRefs(db: Db, input: RepInput, selfId?: number) {
  if (input.teamId != null && !(await repo.findTeam(db, input.teamId))) {
    throw unknownReference('teamId', 'team', input.teamId);
  }
  if (input.managerRepId != null) {
    if (input.managerRepId === selfId)
      throw fieldProblem('unprocessable', 'managerRepId', 'a rep cannot manage themself', 'body');
    if (!(await repo.findRep(db, input.managerRepId))) {
      throw unknownReference('managerRepId', 'sales rep', input.managerRepId);
    }
  }
  if (input.code !== undefined) {
    const other = await repo.findRepByCode(db, input.code, selfId);
    if (other) {
      throw new AppError(
        'conflict',
        `code ${input.code} is already used by sales rep ${other.id} (${other.name})`,
        {
          errors: [{ field: 'code', in: 'body', message: 'already used' }],
          conflictingRep: other,
        },
      );
    }
  }
}

export async function createRep(
  db: Kysely<DB>,
  principal: Principal,
  input: RepInput & { code: string; name: string },
) {
  return db.transaction().execute(async (trx) => {
    await checkRepRefs(trx, input);
    const row = await repo.insertRep(trx, {
      code: input.code,
      name: input.name,
      email: input.email ?? null,
      team_id: input.teamId ?? null,
      manager_rep_id: input.managerRepId ?? null,
      active: input.active ?? true,
    });
    const dto = toRepDto(row);
    await recordAudit(trx, {
      principal,
      entity: 'sales_rep',
      entityId: row.id,
      action: 'create',
      after: dto,
      events: [recordEvent('sales_rep', 'created', dto, principal)],
    });
    return dto;
  });
}

export async function updateRep(db: Kysely<DB>, principal: Principal, id: number, input: RepInput) {
  return db.transaction().execute(async (trx) => {
    const before = await repo.findRep(trx, id, { lock: true });
    if (!before) throw notFound('sales rep', id);
    await checkRepRefs(trx, input, id);
    const row = await repo.updateRep(trx, id, {
      code: input.code,
      name: input.name,
      email: input.email,
      team_id: input.teamId,
      manager_rep_id: input.managerRepId,
      active: input.active,
    });
    const dto = toRepDto(row);
    await recordAudit(trx, {
      principal,
      entity: 'sales_rep',
      entityId: id,
      action: 'update',
      before: toRepDto(before),
      after: dto,
      events: [recordEvent('sales_rep', 'updated', dto, principal)],
    });
    return dto;
  });
}

async function checkTeam(db: Db, input: TeamInput, selfId?: number) {
  if (input.managerRepId != null && !(await repo.findRep(db, input.managerRepId))) {
    throw unknownReference('managerRepId', 'sales rep', input.managerRepId);
  }
  if (input.name !== undefined) {
    const other = await repo.findTeamByName(db, input.name, selfId);
    if (other) {
      throw new AppError('conflict', `name ${input.name} is already used by team ${other.id}`, {
        errors: [{ field: 'name', in: 'body', message: 'already used' }],
        conflictingTeam: other,
      });
    }
  }
}

export async function createTeam(
  db: Kysely<DB>,
  principal: Principal,
  input: TeamInput & { name: string },
) {
  return db.transaction().execute(async (trx) => {
    await checkTeam(trx, input);
    const row = await repo.insertTeam(trx, {
      name: input.name,
      manager_rep_id: input.managerRepId ?? null,
    });
    const dto = toTeamDto(row);
    await recordAudit(trx, {
      principal,
      entity: 'team',
      entityId: row.id,
      action: 'create',
      after: dto,
      events: [recordEvent('team', 'created', dto, principal)],
    });
    return dto;
  });
}

export async function updateTeam(
  db: Kysely<DB>,
  principal: Principal,
  id: number,
  input: TeamInput,
) {
  return db.transaction().execute(async (trx) => {
    const before = await repo.findTeam(trx, id, { lock: true });
    if (!before) throw notFound('team', id);
    await checkTeam(trx, input, id);
    const row = await repo.updateTeam(trx, id, {
      name: input.name,
      manager_rep_id: input.managerRepId,
    });
    const dto = toTeamDto(row);
    await recordAudit(trx, {
      principal,
      entity: 'team',
      entityId: id,
      action: 'update',
      before: toTeamDto(before),
      after: dto,
      events: [recordEvent('team', 'updated', dto, principal)],
    });
    return dto;
  });
}

export async function getTeam(db: Db, id: number) {
  const team = await repo.findTeam(db, id);
  if (!team) throw notFound('team', id);
  return { ...toTeamDto(team), members: (await repo.teamMembers(db, id)).map(toRepDto) };
}

/** Writing follow-up rules (each write audited). Applying them is ./apply.ts. */
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { DB } from '../../../db/schema.ts';
import { recordAudit } from '../../audit/audit.ts';
import type { Principal } from '../../auth/principal.ts';
import { assertAssignableRep } from '../../teams/service.ts';
import { AppError, notFound } from '../../errors.ts';
import * as repo from './repository.ts';
import { recordEvent } from '../../events/record-event.ts';
import {
  conditionMisfits,
  toFollowupRuleDto,
  type FollowupAction,
  type followupRuleBody,
  type followupRulePatch,
} from './schemas.ts';

type Db = Parameters<typeof repo.findRule>[0];

async function checkAction(db: Db, action: FollowupAction | undefined) {
  if (action?.assignToRepId != null) {
    await assertAssignableRep(db, null, action.assignToRepId, 'action.assignToRepId');
  }
}

export async function createRule(
  db: Kysely<DB>,
  principal: Principal,
  input: z.output<typeof followupRuleBody>,
) {
  return db.transaction().execute(async (trx) => {
    await checkAction(trx, input.action);
    const row = await repo.insertRule(trx, {
      name: input.name,
      trigger: input.trigger,
      condition: JSON.stringify(input.condition),
      action: JSON.stringify(input.action),
      active: input.active ?? true,
    });
    const dto = toFollowupRuleDto(row);
    await recordAudit(trx, {
      principal,
      entity: 'followup_rule',
      entityId: row.id,
      action: 'create',
      after: dto,
      events: [recordEvent('followup_rule', 'created', dto, principal)],
    });
    return dto;
  });
}

export async function updateRule(
  db: Kysely<DB>,
  principal: Principal,
  id: number,
  input: z.output<typeof followupRulePatch>,
) {
  return db.transaction().execute(async (trx) => {
    const row = await repo.findRule(trx, id, { lock: true });
    if (!row) throw notFound('follow-up rule', id);
    const before = toFollowupRuleDto(row);
    const misfits = conditionMisfits(before.trigger, input.condition);
    if (misfits.length) {
      const errors = misfits.map((m) => ({
        field: m.field,
        in: 'body' as const,
        message: m.message,
      }));
      throw new AppError('bad_request', `invalid ${errors.map((e) => e.field).join(', ')}`, {
        errors,
      });
    }
    await checkAction(trx, input.action);
    const updated = await repo.updateRule(trx, id, {
      name: input.name,
      condition: input.condition && JSON.stringify(input.condition),
      action: input.action && JSON.stringify(input.action),
      active: input.active,
    });
    const after = toFollowupRuleDto(updated);
    await recordAudit(trx, {
      principal,
      entity: 'followup_rule',
      entityId: id,
      action: 'update',
      before,
      after,
      events: [recordEvent('followup_rule', 'updated', after, principal)],
    });
    return after;
  });
}

/** Soft delete; activities it created keep pointing at it. */
export async function deleteRule(db: Kysely<DB>, principal: Principal, id: number) {
  await db.transaction().execute(async (trx) => {
    const row = await repo.findRule(trx, id, { lock: true });
    if (!row) throw notFound('follow-up rule', id);
    const deleted = await repo.updateRule(trx, id, { deleted_at: new Date(), active: false });
    await recordAudit(trx, {
      principal,
      entity: 'followup_rule',
      entityId: id,
      action: 'delete',
      before: toFollowupRuleDto(row),
      after: null,
      events: [recordEvent('followup_rule', 'deleted', toFollowupRuleDto(deleted), principal)],
    });
  });
}

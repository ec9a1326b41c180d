/**
 * The pipeline: opportunities move through stages (./stages.ts decides), keep their stage
 * history, and a won one can become a draft order. Staff see and work their own pipeline;
 * managers their team's.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { OpportunitiesTable } from '../../db/schema-crm.ts';
import { recordAudit } from '../audit/audit.ts';
import type { Principal } from '../auth/principal.ts';
import { canSeeOwner, loadScope, ownerMeWithoutRep, type Scope } from '../auth/scope.ts';
import { findCustomer } from '../customers/repository.ts';
import { AppError, fieldProblem, notFound, unknownReference } from '../errors.ts';
import { decodeCursor, pageOf } from '../pagination.ts';
import { assertAssignableRep } from '../teams/service.ts';
import { createDraftOrderFromOpportunity } from './draft-order.ts';
import { linesValue, priceLines, type PricedLine } from './lines.ts';
import * as repo from './repository.ts';
import {
  toOpportunityDetail,
  toOpportunityDto,
  type OpportunityCreate,
  type OpportunityDetailDto,
  type OpportunityListQuery,
  type OpportunityPatch,
} from './schemas.ts';
import { planStage, type StagePlan } from './stages.ts';
import { setsNothing } from '../../db/update-row.ts';
import { recordEvent } from '../events/record-event.ts';
import type { BusinessEvent } from '../events/outbox.ts';

type Db = Kysely<DB> | Transaction<DB>;

function refuse(plan: Extract<StagePlan, { ok: false }>): never {
  throw new AppError(plan.code, plan.message, { errors: plan.errors });
}

/**
 * The opportunity if it exists and the caller may see it; 404 otherwise. `lock` for an update
 * that follows: a concurrent delete then waits, or is seen here.
 */
async function visibleOpportunity(db: Db, scope: Scope, id: number, opts: { lock?: boolean } = {}) {
  const row = await repo.findWithCustomerOwner(db, id, opts);
  if (
    !row ||
    !canSeeOwner(scope.pipeline, row.owner_rep_id) ||
    !canSeeOwner(scope.team, row.customer_owner_rep_id)
  ) {
    throw notFound('opportunity', id);
  }
  const { customer_owner_rep_id: _, ...opp } = row;
  return opp;
}

async function detail(db: Db, row: Selectable<OpportunitiesTable>): Promise<OpportunityDetailDto> {
  return toOpportunityDetail(
    row,
    await repo.listLines(db, row.id),
    await repo.listStageHistory(db, row.id),
  );
}

/**
 * The audited shape, and the outbox payload: the detail without its history (which the audit
 * log and the outbox themselves are).
 */
function audited(d: OpportunityDetailDto) {
  const { stageHistory: _, ...rest } = d;
  return rest;
}

/**
 * The one event of an update: won or lost when it closed the opportunity so, stage_changed for
 * another stage, updated otherwise (docs/events.md). A stage event names the stage it left.
 */
function updateEvent(
  principal: Principal,
  dto: OpportunityDetailDto,
  previousStage: string,
): BusinessEvent {
  const payload = audited(dto);
  if (dto.stage === previousStage)
    return recordEvent('opportunity', 'updated', payload, principal, dto.customerId);
  const verb = dto.stage === 'won' || dto.stage === 'lost' ? dto.stage : 'stage_changed';
  return recordEvent('opportunity', verb, { ...payload, previousStage }, principal, dto.customerId);
}

export async function getOpportunity(db: Kysely<DB>, principal: Principal, id: number) {
  const scope = await loadScope(db, principal);
  return detail(db, await visibleOpportunity(db, scope, id));
}

export async function listOpportunities(
  db: Kysely<DB>,
  principal: Principal,
  query: OpportunityListQuery,
) {
  if (query.owner === 'me' && principal.repId == null) {
    throw ownerMeWithoutRep();
  }
  const scope = await loadScope(db, principal);
  const ownerRepId = query.owner === 'me' ? principal.repId! : query.owner;
  const rows = await repo.listOpportunities(
    db,
    { ...query, ownerRepId },
    scope,
    decodeCursor(query.cursor),
    query.limit,
  );
  return pageOf(rows, query.limit, toOpportunityDto);
}

export async function createOpportunity(
  db: Kysely<DB>,
  principal: Principal,
  input: OpportunityCreate,
) {
  const scope = await loadScope(db, principal);
  const now = new Date();
  return db.transaction().execute(async (trx) => {
    const customer = await findCustomer(trx, input.customerId);
    if (!customer || !canSeeOwner(scope.team, customer.owner_rep_id)) {
      throw unknownReference('customerId', 'customer', input.customerId);
    }
    const ownerRepId = input.ownerRepId !== undefined ? input.ownerRepId : principal.repId;
    if (ownerRepId != null && input.ownerRepId !== undefined) {
      await assertAssignableRep(trx, scope.pipeline, ownerRepId, 'ownerRepId');
    }
    const plan = planStage(null, input, now);
    if (!plan.ok) refuse(plan);
    const lines = input.lines
      ? await priceLines(trx, principal.role, input.lines, customer.customer_group, now)
      : [];
    const row = await repo.insertOpportunity(trx, {
      customer_id: customer.id,
      owner_rep_id: ownerRepId,
      title: input.title,
      stage: plan.next.stage,
      probability: plan.next.probability,
      lost_reason: plan.next.lostReason,
      closed_at: plan.next.closedAt,
      expected_value: input.expectedValue ?? linesValue(lines),
      expected_close_date: input.expectedCloseDate ?? null,
    });
    await repo.replaceLines(trx, row.id, lines);
    await repo.insertStageChange(trx, {
      opportunity_id: row.id,
      from_stage: null,
      to_stage: plan.next.stage,
      changed_by_key_id: principal.keyId,
      changed_at: now,
    });
    const dto = await detail(trx, row);
    await recordAudit(trx, {
      principal,
      entity: 'opportunity',
      entityId: row.id,
      action: 'create',
      after: audited(dto),
      events: [recordEvent('opportunity', 'created', audited(dto), principal, dto.customerId)],
    });
    return dto;
  });
}

export async function updateOpportunity(
  db: Kysely<DB>,
  principal: Principal,
  id: number,
  input: OpportunityPatch,
) {
  const scope = await loadScope(db, principal);
  const now = new Date();
  return db.transaction().execute(async (trx) => {
    const before = await visibleOpportunity(trx, scope, id, { lock: true });
    const beforeDto = await detail(trx, before);
    // The stage plan below always yields every column; an empty patch must still write nothing.
    if (setsNothing(input)) return beforeDto;
    const plan = planStage(
      {
        stage: before.stage,
        probability: before.probability,
        lostReason: before.lost_reason,
        closedAt: before.closed_at,
        orderId: before.order_id,
      },
      input,
      now,
    );
    if (!plan.ok) refuse(plan);
    if (input.ownerRepId != null && input.ownerRepId !== before.owner_rep_id) {
      await assertAssignableRep(trx, scope.pipeline, input.ownerRepId, 'ownerRepId');
    }
    let lines: PricedLine[] | undefined;
    if (input.lines) {
      if (before.order_id !== null)
        throw fieldProblem(
          'unprocessable',
          'lines',
          `the opportunity already has order ${before.order_id}`,
          'body',
        );
      const customer = await findCustomer(trx, before.customer_id);
      lines = await priceLines(
        trx,
        principal.role,
        input.lines,
        customer?.customer_group ?? null,
        now,
      );
      await repo.replaceLines(trx, id, lines);
    }
    let orderId = before.order_id;
    if (input.createOrder) {
      if (plan.next.stage !== 'won')
        throw fieldProblem(
          'unprocessable',
          'createOrder',
          'an order is created only when the stage is won',
          'body',
        );
      if (orderId !== null)
        throw new AppError('conflict', `opportunity ${id} already has order ${orderId}`);
      const current = lines ?? (await repo.listLines(trx, id));
      if (!current.length)
        throw fieldProblem(
          'unprocessable',
          'createOrder',
          'the opportunity has no lines to order',
          'body',
        );
      orderId = await createDraftOrderFromOpportunity(trx, principal, before, current);
    }
    const row = await repo.updateOpportunity(trx, id, {
      owner_rep_id: input.ownerRepId,
      title: input.title,
      stage: plan.next.stage,
      probability: plan.next.probability,
      lost_reason: plan.next.lostReason,
      closed_at: plan.next.closedAt,
      expected_value: input.expectedValue ?? (lines ? linesValue(lines) : undefined),
      expected_close_date: input.expectedCloseDate,
      order_id: orderId,
    });
    if (plan.stageChanged) {
      await repo.insertStageChange(trx, {
        opportunity_id: id,
        from_stage: before.stage,
        to_stage: plan.next.stage,
        changed_by_key_id: principal.keyId,
        changed_at: now,
      });
    }
    const dto = await detail(trx, row);
    await recordAudit(trx, {
      principal,
      entity: 'opportunity',
      entityId: id,
      action: 'update',
      before: audited(beforeDto),
      after: audited(dto),
      events: [updateEvent(principal, dto, before.stage)],
    });
    return dto;
  });
}

export async function deleteOpportunity(db: Kysely<DB>, principal: Principal, id: number) {
  const scope = await loadScope(db, principal);
  await db.transaction().execute(async (trx) => {
    const before = await visibleOpportunity(trx, scope, id, { lock: true });
    const row = await repo.updateOpportunity(trx, id, { deleted_at: new Date() });
    const dto = audited(await detail(trx, row));
    await recordAudit(trx, {
      principal,
      entity: 'opportunity',
      entityId: id,
      action: 'delete',
      before: toOpportunityDto(before),
      after: null,
      events: [recordEvent('opportunity', 'deleted', dto, principal, dto.customerId)],
    });
  });
}

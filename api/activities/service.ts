/**
 * Activities: calls, emails, meetings and tasks, each about a customer (and maybe one of its
 * contacts, opportunities or orders) and owned by a rep. References must exist, be visible to the
 * caller and agree on the customer; the customer is derived from them when not given.
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { recordAudit } from '../audit/audit.ts';
import type { Principal } from '../auth/principal.ts';
import { canSeeOwner, loadScope, ownerMeWithoutRep, type Scope } from '../auth/scope.ts';
import { findContactById, findCustomer } from '../customers/repository.ts';
import { fieldProblem, notFound, unknownReference } from '../errors.ts';
import { decodeCursor, pageOf } from '../pagination.ts';
import { findOpportunity } from '../opportunities/repository.ts';
import { assertAssignableRep } from '../teams/service.ts';
import * as repo from './repository.ts';
import {
  toActivityDto,
  type ActivityDto,
  type ActivityInput,
  type ActivityListQuery,
} from './schemas.ts';
import { setsNothing } from '../../db/update-row.ts';
import { recordEvent } from '../events/record-event.ts';

type Db = Kysely<DB> | Transaction<DB>;

interface Refs {
  customerId: number | null;
  contactId: number | null;
  opportunityId: number | null;
  orderId: number | null;
}

/** Check the references and return the customer they point at (given or derived). */
async function resolveCustomer(db: Db, scope: Scope, refs: Refs): Promise<number | null> {
  let customerId = refs.customerId;
  // A record whose customer the caller may not see answers exactly like a missing one, and is
  // checked before any mismatch message could name that customer.
  const visible = async (customer: number | null) => {
    if (customer === null) return true;
    const c = await findCustomer(db, customer);
    return !!c && canSeeOwner(scope.team, c.owner_rep_id);
  };
  const agree = (field: string, owner: number) => {
    if (customerId === null) {
      customerId = owner;
    } else if (customerId !== owner) {
      throw fieldProblem(
        'unprocessable',
        field,
        `belongs to customer ${owner}, not customer ${customerId}`,
        'body',
      );
    }
  };
  if (customerId !== null && !(await visible(customerId))) {
    throw unknownReference('customerId', 'customer', customerId);
  }
  if (refs.contactId !== null) {
    const contact = await findContactById(db, refs.contactId);
    if (!contact || !(await visible(contact.customer_id))) {
      throw unknownReference('contactId', 'contact', refs.contactId);
    }
    agree('contactId', contact.customer_id);
  }
  if (refs.opportunityId !== null) {
    const opp = await findOpportunity(db, refs.opportunityId);
    if (
      !opp ||
      !canSeeOwner(scope.pipeline, opp.owner_rep_id) ||
      !(await visible(opp.customer_id))
    ) {
      throw unknownReference('opportunityId', 'opportunity', refs.opportunityId);
    }
    agree('opportunityId', opp.customer_id);
  }
  if (refs.orderId !== null) {
    const order = await db
      .selectFrom('orders')
      .select(['id', 'customer_id'])
      .where('id', '=', refs.orderId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!order || !(await visible(order.customer_id))) {
      throw unknownReference('orderId', 'order', refs.orderId);
    }
    agree('orderId', order.customer_id);
  }
  return customerId;
}

/**
 * The activity if it exists and the caller may see it; 404 otherwise. `lock` for an update that
 * follows: a concurrent delete then waits, or is seen here.
 */
async function visibleActivity(db: Db, scope: Scope, id: number, opts: { lock?: boolean } = {}) {
  const row = await repo.findActivity(db, id, opts);
  if (
    !row ||
    !canSeeOwner(scope.team, row.owner_rep_id) ||
    !canSeeOwner(scope.team, row.customer_owner_rep_id)
  ) {
    throw notFound('activity', id);
  }
  const { customer_owner_rep_id: _, ...activity } = row;
  return activity;
}

export async function getActivity(db: Kysely<DB>, principal: Principal, id: number) {
  const scope = await loadScope(db, principal);
  return toActivityDto(await visibleActivity(db, scope, id));
}

export async function listActivities(
  db: Kysely<DB>,
  principal: Principal,
  query: ActivityListQuery,
  clock: { now: Date; timezone: string },
) {
  let ownerRepId = query.owner === 'me' ? principal.repId : query.owner;
  if (query.owner === 'me' && ownerRepId == null) {
    throw ownerMeWithoutRep();
  }
  const scope = await loadScope(db, principal);
  const rows = await repo.listActivities(
    db,
    { ...query, ownerRepId: ownerRepId ?? undefined, dueToday: query.due === 'today' },
    scope.team,
    clock,
    decodeCursor(query.cursor),
    query.limit,
  );
  return pageOf(rows, query.limit, toActivityDto);
}

export async function createActivity(
  db: Kysely<DB>,
  principal: Principal,
  input: ActivityInput & { type: ActivityDto['type']; subject: string },
): Promise<ActivityDto> {
  const scope = await loadScope(db, principal);
  return db.transaction().execute(async (trx) => {
    const refs: Refs = {
      customerId: input.customerId ?? null,
      contactId: input.contactId ?? null,
      opportunityId: input.opportunityId ?? null,
      orderId: input.orderId ?? null,
    };
    const customerId = await resolveCustomer(trx, scope, refs);
    const ownerRepId = input.ownerRepId !== undefined ? input.ownerRepId : principal.repId;
    if (input.ownerRepId != null) {
      await assertAssignableRep(trx, scope.team, input.ownerRepId, 'ownerRepId');
    }
    const row = await repo.insertActivity(trx, {
      activity_type: input.type,
      subject: input.subject,
      customer_id: customerId,
      contact_id: refs.contactId,
      opportunity_id: refs.opportunityId,
      order_id: refs.orderId,
      owner_rep_id: ownerRepId,
      due_at: input.dueAt ?? null,
      done_at: input.doneAt ?? null,
      outcome: input.outcome ?? null,
      notes: input.notes ?? null,
    });
    const dto = toActivityDto(row);
    await recordAudit(trx, {
      principal,
      entity: 'activity',
      entityId: row.id,
      action: 'create',
      after: dto,
      events: [recordEvent('activity', 'created', dto, principal, dto.customerId)],
    });
    return dto;
  });
}

export async function updateActivity(
  db: Kysely<DB>,
  principal: Principal,
  id: number,
  input: ActivityInput,
): Promise<ActivityDto> {
  const scope = await loadScope(db, principal);
  return db.transaction().execute(async (trx) => {
    const before = await visibleActivity(trx, scope, id, { lock: true });
    // The references below are always resolved into columns; an empty patch must write nothing.
    if (setsNothing(input)) return toActivityDto(before);
    const pick = <T>(given: T | undefined, current: T) => (given !== undefined ? given : current);
    const refs: Refs = {
      customerId: pick(input.customerId, before.customer_id),
      contactId: pick(input.contactId, before.contact_id),
      opportunityId: pick(input.opportunityId, before.opportunity_id),
      orderId: pick(input.orderId, before.order_id),
    };
    const customerId = await resolveCustomer(trx, scope, refs);
    if (input.ownerRepId != null && input.ownerRepId !== before.owner_rep_id) {
      await assertAssignableRep(trx, scope.team, input.ownerRepId, 'ownerRepId');
    }
    const row = await repo.updateActivity(trx, id, {
      activity_type: input.type,
      subject: input.subject,
      customer_id: customerId,
      contact_id: refs.contactId,
      opportunity_id: refs.opportunityId,
      order_id: refs.orderId,
      owner_rep_id: input.ownerRepId,
      due_at: input.dueAt,
      done_at: input.doneAt,
      outcome: input.outcome,
      notes: input.notes,
    });
    const dto = toActivityDto(row);
    await recordAudit(trx, {
      principal,
      entity: 'activity',
      entityId: id,
      action: 'update',
      before: toActivityDto(before),
      after: dto,
      events: [recordEvent('activity', 'updated', dto, principal, dto.customerId)],
    });
    return dto;
  });
}

export async function deleteActivity(db: Kysely<DB>, principal: Principal, id: number) {
  const scope = await loadScope(db, principal);
  await db.transaction().execute(async (trx) => {
    const before = await visibleActivity(trx, scope, id, { lock: true });
    const row = await repo.updateActivity(trx, id, { deleted_at: new Date() });
    const dto = toActivityDto(row);
    await recordAudit(trx, {
      principal,
      entity: 'activity',
      entityId: id,
      action: 'delete',
      before: toActivityDto(before),
      after: null,
      events: [recordEvent('activity', 'deleted', dto, principal, dto.customerId)],
    });
  });
}

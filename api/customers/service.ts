/**
 * Customers and their contacts. Codes are unique for ever (a deleted customer keeps its code, so
 * old orders stay unambiguous); emails are unique among live customers. A duplicate is a 409
 * naming the other customer. Creating a customer fires the "new customer" follow-up rules in the
 * same transaction.
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { applyFollowupRules } from '../activities/followup/apply.ts';
import { recordAudit } from '../audit/audit.ts';
import type { Principal } from '../auth/principal.ts';
import { canSeeOwner, loadScope, type Scope } from '../auth/scope.ts';
import { AppError, notFound } from '../errors.ts';
import { decodeCursor, pageOf } from '../pagination.ts';
import { assertAssignableRep } from '../teams/service.ts';
import * as repo from './repository.ts';
import {
  toCustomerDto,
  type CustomerDto,
  type CustomerInput,
  type CustomerListItem,
  type CustomerListQuery,
} from './schemas.ts';
import { newestScoreRun, noScoresYet, toScoreDto } from './scores.ts';
import { recordEvent } from '../events/record-event.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** Fields only a manager or admin may set: they loosen or tighten what orders are accepted. */
const OVERRIDE_FIELDS = ['creditLimit', 'blocked'] as const;

/**
 * The live customer if the caller's scope includes it; 404 otherwise (existence does not leak).
 * `lock` for an update of the customer that follows: a concurrent delete then waits, or is seen.
 */
export async function visibleCustomer(
  db: Db,
  scope: Scope,
  id: number,
  opts: { lock?: boolean } = {},
) {
  const c = await repo.findCustomer(db, id, opts);
  if (!c || !canSeeOwner(scope.team, c.owner_rep_id)) throw notFound('customer', id);
  return c;
}

function duplicate(
  field: 'code' | 'email',
  value: string,
  other: { id: number; code: string; name: string; deleted_at: Date | null },
) {
  const deleted = other.deleted_at ? ' (deleted; restore it instead)' : '';
  return new AppError(
    'conflict',
    `${field} ${value} is already used by customer ${other.id} ${other.code} "${other.name}"${deleted}`,
    {
      errors: [{ field, in: 'body', message: `already used by customer ${other.id}` }],
      conflictingCustomer: { id: other.id, code: other.code, name: other.name },
    },
  );
}

async function checkDuplicates(
  db: Db,
  input: { code?: string; email?: string | null },
  selfId?: number,
) {
  if (input.code !== undefined) {
    const other = await repo.findByCode(db, input.code, selfId);
    if (other) throw duplicate('code', input.code, other);
  }
  if (input.email) {
    const other = await repo.findByEmail(db, input.email, selfId);
    if (other) throw duplicate('email', input.email, other);
  }
}

/**
 * A concurrent write can slip past checkDuplicates; the unique index then refuses it. Name the
 * other customer in that case too (looked up after the failed transaction, never inside it).
 */
async function namingDuplicates<T>(
  db: Kysely<DB>,
  input: { code?: string; email?: string | null },
  selfId: number | undefined,
  write: () => Promise<T>,
): Promise<T> {
  try {
    return await write();
  } catch (e) {
    const constraint =
      (e as { code?: string; constraint?: string }).code === '23505'
        ? (e as { constraint?: string }).constraint
        : undefined;
    if (constraint === 'customers_code_key' || constraint === 'customers_email_unique')
      await checkDuplicates(db, input, selfId);
    throw e;
  }
}

function checkOverrides(principal: Principal, input: CustomerInput) {
  if (principal.role === 'admin' || principal.role === 'manager') return;
  const given = OVERRIDE_FIELDS.filter((f) => input[f] !== undefined);
  if (given.length) {
    throw new AppError('forbidden', `role ${principal.role} may not set ${given.join(', ')}`, {
      errors: given.map((f) => ({
        field: f,
        in: 'body' as const,
        message: 'only a manager or admin may set this',
      })),
    });
  }
}

function toRow(input: CustomerInput) {
  return {
    code: input.code,
    name: input.name,
    email: input.email,
    phone: input.phone,
    address: input.address,
    city: input.city,
    country: input.country,
    customer_group: input.group,
    credit_limit: input.creditLimit,
    tags: input.tags ? [...new Set(input.tags)] : undefined,
    owner_rep_id: input.ownerRepId,
    blocked: input.blocked,
  };
}

/**
 * One page of customers, each with its scores of the newest segment run. Filtering on a score
 * before any run has succeeded is a 503 saying what computes them, not an empty page that would
 * read as "no customer at risk".
 */
export async function listCustomers(
  db: Kysely<DB>,
  principal: Principal,
  query: CustomerListQuery,
): Promise<{ items: CustomerListItem[]; nextCursor: string | null }> {
  const scope = await loadScope(db, principal);
  const run = await newestScoreRun(db);
  const scoreFilters = (['segment', 'churnRiskMin'] as const).filter((f) => query[f] !== undefined);
  if (scoreFilters.length && !run) throw noScoresYet(scoreFilters);
  const rows = await repo.listCustomers(
    db,
    { ...query, ownerRepId: query.owner },
    scope.team,
    decodeCursor(query.cursor),
    query.limit,
    run?.id ?? null,
  );
  return pageOf(rows, query.limit, (r) => ({ ...toCustomerDto(r), ...toScoreDto(r, run) }));
}

export async function createCustomer(
  db: Kysely<DB>,
  principal: Principal,
  input: CustomerInput & { code: string; name: string },
): Promise<CustomerDto> {
  checkOverrides(principal, input);
  const scope = await loadScope(db, principal);
  return namingDuplicates(db, input, undefined, () =>
    db.transaction().execute(async (trx) => {
      // A rep's new customer is theirs unless they say otherwise.
      const ownerRepId = input.ownerRepId !== undefined ? input.ownerRepId : principal.repId;
      if (input.ownerRepId != null)
        await assertAssignableRep(trx, scope.team, input.ownerRepId, 'ownerRepId');
      await checkDuplicates(trx, input);
      const row = await repo.insertCustomer(trx, {
        ...toRow(input),
        code: input.code,
        name: input.name,
        owner_rep_id: ownerRepId,
      });
      const dto = toCustomerDto(row);
      await recordAudit(trx, {
        principal,
        entity: 'customer',
        entityId: row.id,
        action: 'create',
        after: dto,
        events: [recordEvent('customer', 'created', dto, principal, row.id)],
      });
      await applyFollowupRules(trx, {
        principal,
        triggers: ['customer_created'],
        only: { customerId: row.id },
      });
      return dto;
    }),
  );
}

export async function updateCustomer(
  db: Kysely<DB>,
  principal: Principal,
  id: number,
  input: CustomerInput,
): Promise<CustomerDto> {
  checkOverrides(principal, input);
  const scope = await loadScope(db, principal);
  return namingDuplicates(db, input, id, () =>
    db.transaction().execute(async (trx) => {
      const before = await visibleCustomer(trx, scope, id, { lock: true });
      if (input.ownerRepId != null && input.ownerRepId !== before.owner_rep_id) {
        await assertAssignableRep(trx, scope.team, input.ownerRepId, 'ownerRepId');
      }
      await checkDuplicates(trx, input, id);
      const row = await repo.updateCustomer(trx, id, toRow(input));
      const dto = toCustomerDto(row);
      await recordAudit(trx, {
        principal,
        entity: 'customer',
        entityId: id,
        action: 'update',
        before: toCustomerDto(before),
        after: dto,
        events: [recordEvent('customer', 'updated', dto, principal, id)],
      });
      return dto;
    }),
  );
}

/** Soft delete; refused while the customer has open orders (they would be orphaned in lists). */
export async function deleteCustomer(db: Kysely<DB>, principal: Principal, id: number) {
  const scope = await loadScope(db, principal);
  await db.transaction().execute(async (trx) => {
    const before = await visibleCustomer(trx, scope, id, { lock: true });
    const open = await repo.countOpenOrders(trx, id);
    if (open > 0) {
      throw new AppError(
        'conflict',
        `customer ${id} has ${open} open order(s); finish or cancel them first`,
      );
    }
    const row = await repo.updateCustomer(trx, id, { deleted_at: new Date() });
    await recordAudit(trx, {
      principal,
      entity: 'customer',
      entityId: id,
      action: 'delete',
      before: toCustomerDto(before),
      after: toCustomerDto(row),
      events: [recordEvent('customer', 'deleted', toCustomerDto(row), principal, id)],
    });
  });
}

/** Undo a soft delete (idempotent); 409 if its email now belongs to another live customer. */
export async function restoreCustomer(
  db: Kysely<DB>,
  principal: Principal,
  id: number,
): Promise<CustomerDto> {
  const scope = await loadScope(db, principal);
  return db.transaction().execute(async (trx) => {
    const before = await repo.findCustomer(trx, id, { deleted: true, lock: true });
    if (!before) return toCustomerDto(await visibleCustomer(trx, scope, id));
    if (!canSeeOwner(scope.team, before.owner_rep_id)) throw notFound('customer', id);
    await checkDuplicates(trx, { email: before.email }, id);
    const row = await repo.updateCustomer(trx, id, { deleted_at: null }, { deleted: true });
    const dto = toCustomerDto(row);
    await recordAudit(trx, {
      principal,
      entity: 'customer',
      entityId: id,
      action: 'restore',
      before: toCustomerDto(before),
      after: dto,
      events: [recordEvent('customer', 'restored', dto, principal, id)],
    });
    return dto;
  });
}

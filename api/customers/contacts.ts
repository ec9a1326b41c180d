/**
 * A customer's contacts. At most one is primary: the first contact becomes primary unless told
 * otherwise, and marking one primary clears the flag on the others (each change audited).
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { recordAudit } from '../audit/audit.ts';
import type { Principal } from '../auth/principal.ts';
import { loadScope } from '../auth/scope.ts';
import { notFound } from '../errors.ts';
import * as repo from './repository.ts';
import { toContactDto, type ContactDto, type ContactInput } from './schemas.ts';
import { visibleCustomer } from './service.ts';
import { recordEvent } from '../events/record-event.ts';

async function makeSolePrimary(
  trx: Transaction<DB>,
  principal: Principal,
  customerId: number,
  keepId: number,
) {
  for (const row of await repo.clearOtherPrimaries(trx, customerId, keepId)) {
    await recordAudit(trx, {
      principal,
      entity: 'contact',
      entityId: row.id,
      action: 'update',
      before: { primary: true },
      after: { primary: false },
      events: [recordEvent('contact', 'updated', toContactDto(row), principal, customerId)],
    });
  }
}

export async function listContacts(db: Kysely<DB>, principal: Principal, customerId: number) {
  const scope = await loadScope(db, principal);
  await visibleCustomer(db, scope, customerId);
  return (await repo.listContacts(db, customerId)).map(toContactDto);
}

export async function createContact(
  db: Kysely<DB>,
  principal: Principal,
  customerId: number,
  input: ContactInput & { name: string },
): Promise<ContactDto> {
  const scope = await loadScope(db, principal);
  return db.transaction().execute(async (trx) => {
    await visibleCustomer(trx, scope, customerId);
    const existing = await repo.listContacts(trx, customerId);
    const primary = input.primary ?? !existing.some((c) => c.is_primary);
    const row = await repo.insertContact(trx, {
      customer_id: customerId,
      name: input.name,
      role: input.role ?? null,
      email: input.email ?? null,
      phone: input.phone ?? null,
      is_primary: primary,
    });
    if (primary) await makeSolePrimary(trx, principal, customerId, row.id);
    const dto = toContactDto(row);
    await recordAudit(trx, {
      principal,
      entity: 'contact',
      entityId: row.id,
      action: 'create',
      after: dto,
      events: [recordEvent('contact', 'created', dto, principal, customerId)],
    });
    return dto;
  });
}

export async function updateContact(
  db: Kysely<DB>,
  principal: Principal,
  customerId: number,
  contactId: number,
  input: ContactInput,
): Promise<ContactDto> {
  const scope = await loadScope(db, principal);
  return db.transaction().execute(async (trx) => {
    await visibleCustomer(trx, scope, customerId);
    const before = await repo.findContact(trx, customerId, contactId, { lock: true });
    if (!before) throw notFound('contact', contactId);
    const row = await repo.updateContact(trx, contactId, {
      name: input.name,
      role: input.role,
      email: input.email,
      phone: input.phone,
      is_primary: input.primary,
    });
    if (input.primary) await makeSolePrimary(trx, principal, customerId, contactId);
    const dto = toContactDto(row);
    await recordAudit(trx, {
      principal,
      entity: 'contact',
      entityId: contactId,
      action: 'update',
      before: toContactDto(before),
      after: dto,
      events: [recordEvent('contact', 'updated', dto, principal, customerId)],
    });
    return dto;
  });
}

export async function deleteContact(
  db: Kysely<DB>,
  principal: Principal,
  customerId: number,
  contactId: number,
) {
  const scope = await loadScope(db, principal);
  await db.transaction().execute(async (trx) => {
    await visibleCustomer(trx, scope, customerId);
    const before = await repo.findContact(trx, customerId, contactId, { lock: true });
    if (!before) throw notFound('contact', contactId);
    const row = await repo.updateContact(trx, contactId, {
      deleted_at: new Date(),
      is_primary: false,
    });
    await recordAudit(trx, {
      principal,
      entity: 'contact',
      entityId: contactId,
      action: 'delete',
      before: toContactDto(before),
      after: null,
      events: [recordEvent('contact', 'deleted', toContactDto(row), principal, customerId)],
    });
  });
}

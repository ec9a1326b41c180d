/**
 * Saved queries: who sees, changes and runs which. Analysts (and admins) save their own and may
 * share them; everyone who runs SQL sees their own and the shared ones, an admin sees all;
 * executives see and run only shared ones, never SQL of their own. A query another person may
 * not see answers 404, as if it were not there; one they see but do not own answers 403 to a
 * change. Changes are audited without the SQL text itself (audit_log is copied to the warehouse,
 * the SQL never is: ingest/deny-list.ts) — a short hash says that it changed. For the same
 * reason they record no outbox event, which reaches the warehouse (docs/events.md).
 */
import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { recordAudit } from '../audit/audit.ts';
import type { Principal } from '../auth/principal.ts';
import { AppError, notFound } from '../errors.ts';
import type { IdPage } from '../pagination.ts';
import * as repo from './saved-repository.ts';
import type { SavedDto, SavedInput, SavedPatch } from './saved-schemas.ts';

const ENTITY = 'sql_saved_query';

type Db = Kysely<DB> | Transaction<DB>;

/** What the caller saves as: its user, or — a machine key of no user — the key. */
export function ownerOf(principal: Principal): repo.Owner {
  if (principal.userId !== null) return { userId: principal.userId };
  return { keyId: principal.keyId! };
}

function owns(principal: Principal, row: repo.SavedRow): boolean {
  if (principal.userId !== null) return row.owner_user_id === principal.userId;
  return row.owner_user_id === null && row.owner_key_id === principal.keyId;
}

function sees(principal: Principal, row: repo.SavedRow): boolean {
  if (principal.role === 'admin' || row.shared) return true;
  return principal.role !== 'executive' && owns(principal, row);
}

function toDto(principal: Principal, r: repo.SavedRow): SavedDto {
  return {
    id: r.id,
    name: r.name,
    sql: r.sql,
    description: r.description,
    shared: r.shared,
    ownerUserId: r.owner_user_id,
    ownerKeyId: r.owner_key_id,
    ownerName: r.owner_name,
    mine: owns(principal, r),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** The audited shape: the SQL as a short sha256, so a change shows without the text. */
function audited(r: repo.SavedRow) {
  return {
    name: r.name,
    sqlSha256: createHash('sha256').update(r.sql).digest('hex').slice(0, 16),
    shared: r.shared,
    ownerUserId: r.owner_user_id,
    ownerKeyId: r.owner_key_id,
  };
}

function duplicateName(name: string, other: { id: number; name: string }): AppError {
  return new AppError(
    'conflict',
    `you already have a saved query named ${other.name} (${other.id}); choose another name for ${name}`,
    {
      errors: [
        { field: 'name', in: 'body', message: 'you already have a saved query with this name' },
      ],
    },
  );
}

/** The saved queries `principal` sees, one page ordered by id. */
export async function listSavedQueries(
  db: Kysely<DB>,
  principal: Principal,
  filter: { shared?: boolean },
  page: IdPage,
) {
  const rows = await repo.listSaved(
    db,
    {
      all: principal.role === 'admin',
      owner: principal.role === 'executive' ? null : ownerOf(principal),
      shared: filter.shared,
    },
    page,
  );
  return { rows, toDto: (r: repo.SavedRow) => toDto(principal, r) };
}

/** The saved query `id` as `principal` may see it; 404 when they may not. */
export async function getSavedQuery(db: Db, principal: Principal, id: number) {
  const row = await repo.findSaved(db, id);
  if (!row || !sees(principal, row)) throw notFound('saved query', id);
  return { row, dto: toDto(principal, row) };
}

/** The row `principal` may change: 404 unseen, 403 seen but another's (admins change any). */
async function changeable(db: Db, principal: Principal, id: number) {
  const { row } = await getSavedQuery(db, principal, id);
  if (principal.role !== 'admin' && !owns(principal, row))
    throw new AppError(
      'forbidden',
      `saved query ${id} belongs to ${row.owner_name ?? 'someone else'}; only its owner or an admin may change it`,
    );
  return row;
}

export async function createSavedQuery(db: Kysely<DB>, principal: Principal, input: SavedInput) {
  const owner = ownerOf(principal);
  return db.transaction().execute(async (trx) => {
    const other = await repo.findByName(trx, owner, input.name);
    if (other) throw duplicateName(input.name, other);
    const row = await repo.insertSaved(trx, {
      name: input.name,
      sql: input.sql,
      description: input.description ?? null,
      shared: input.shared ?? false,
      owner_user_id: 'userId' in owner ? owner.userId : null,
      owner_key_id: 'keyId' in owner ? owner.keyId : null,
    });
    await recordAudit(trx, {
      principal,
      entity: ENTITY,
      entityId: row.id,
      action: 'create',
      after: audited(row),
    });
    return toDto(principal, row);
  });
}

export async function updateSavedQuery(
  db: Kysely<DB>,
  principal: Principal,
  id: number,
  input: SavedPatch,
) {
  return db.transaction().execute(async (trx) => {
    const before = await changeable(trx, principal, id);
    if (input.name !== undefined) {
      // Unique among the owner's names, who may not be the caller (an admin renaming).
      const owner: repo.Owner =
        before.owner_user_id !== null
          ? { userId: before.owner_user_id }
          : { keyId: before.owner_key_id! };
      const other = await repo.findByName(trx, owner, input.name, id);
      if (other) throw duplicateName(input.name, other);
    }
    const row = await repo.updateSaved(trx, id, {
      name: input.name,
      sql: input.sql,
      description: input.description,
      shared: input.shared,
    });
    await recordAudit(trx, {
      principal,
      entity: ENTITY,
      entityId: id,
      action: 'update',
      before: audited(before),
      after: audited(row),
    });
    return toDto(principal, row);
  });
}

export async function deleteSavedQuery(db: Kysely<DB>, principal: Principal, id: number) {
  await db.transaction().execute(async (trx) => {
    const before = await changeable(trx, principal, id);
    await repo.deleteSaved(trx, id);
    await recordAudit(trx, {
      principal,
      entity: ENTITY,
      entityId: id,
      action: 'delete',
      before: audited(before),
    });
  });
}

/**
 * Creating, listing and revoking API keys; used by the CLI and the api-keys endpoints. Creating
 * and revoking are audited (the CLI's principal is null: whoever holds the data folder).
 */
import type { Kysely } from 'kysely';
import type { DB, Role } from '../../db/schema.ts';
import { recordAudit } from '../audit/audit.ts';
import { AppError, fieldProblem, unknownReference } from '../errors.ts';
import { forgetKey } from './key-cache.ts';
import { generateKey } from './keys.ts';
import type { Principal } from './principal.ts';
import * as repo from './repository.ts';
import { toApiKeyDto } from './schemas.ts';
import { recordEvent } from '../events/record-event.ts';

/** Create a key; the secret is returned here once and never again. */
export async function createApiKey(
  db: Kysely<DB>,
  input: { name: string; role: Role; repId?: number | null; userId?: number | null },
  principal: Principal | null = null,
) {
  // A manager sees the customers of its rep's team; without a rep it would see none and no
  // answer would say why, so such a key is refused rather than created.
  if (input.role === 'manager' && input.repId == null)
    throw fieldProblem(
      'unprocessable',
      'repId',
      "required for a manager key: it sees its rep's team",
      'body',
      'a manager key must belong to a sales rep (repId)',
    );
  return db.transaction().execute(async (trx) => {
    if (input.repId != null) {
      const rep = await trx
        .selectFrom('sales_reps')
        .select('id')
        .where('id', '=', input.repId)
        .executeTakeFirst();
      if (!rep) throw unknownReference('repId', 'sales rep', input.repId);
    }
    if (input.userId != null) {
      // FOR SHARE: a disable running meanwhile waits for this key and then revokes it with the
      // user's others, or has already committed and this key is refused here.
      const user = await trx
        .selectFrom('users')
        .select('active')
        .where('id', '=', input.userId)
        .forShare()
        .executeTakeFirst();
      if (!user) throw unknownReference('userId', 'user', input.userId);
      if (!user.active)
        throw fieldProblem(
          'unprocessable',
          'userId',
          `user ${input.userId} is disabled; a disabled user's keys do not work`,
          'body',
        );
    }
    const material = generateKey();
    const row = await repo.insertKey(trx, {
      name: input.name,
      role: input.role,
      key_hash: material.hash,
      key_prefix: material.prefix,
      rep_id: input.repId ?? null,
      user_id: input.userId ?? null,
    });
    await recordAudit(trx, {
      principal,
      entity: 'api_key',
      entityId: row.id,
      action: 'create',
      after: {
        name: row.name,
        role: row.role,
        prefix: row.key_prefix,
        repId: row.rep_id,
        userId: row.user_id,
      },
      // The key as the list shows it: never the key itself (eventRow refuses a field so named).
      events: [recordEvent('api_key', 'created', toApiKeyDto(row), principal)],
    });
    return { ...row, key: material.key };
  });
}

/**
 * Revoke an active key; undefined when there is none with that id. The last active admin key is
 * refused (409): without it nobody could create or revoke keys through the API again. The key
 * stops working in this process at once (its cached lookup is dropped after the commit); see
 * key-cache.ts for others.
 */
export async function revokeKey(db: Kysely<DB>, id: number, principal: Principal | null = null) {
  try {
    return await revokeInTransaction(db, id, principal);
  } finally {
    // Also on failure: cheap, and a commit whose answer was lost must not leave the key cached.
    forgetKey(db, id);
  }
}

function revokeInTransaction(db: Kysely<DB>, id: number, principal: Principal | null) {
  return db.transaction().execute(async (trx) => {
    const key = await repo.findKey(trx, id);
    if (!key || key.revoked_at) return undefined;
    if (key.role === 'admin') {
      // Checked under a lock on every active admin key: two revokes of the last two admin keys
      // run one after the other, and the second sees that only one is left.
      const admins = await repo.lockActiveAdminKeys(trx);
      if (!admins.includes(id)) return undefined; // revoked meanwhile
      if (admins.length === 1)
        throw new AppError(
          'conflict',
          `API key ${id} is the last active admin key; revoking it would lock every admin out. ` +
            'Create another admin key first, then revoke this one.',
          { keyId: id },
        );
    }
    const r = await repo.revokeKey(trx, id);
    if (r) {
      await recordAudit(trx, {
        principal,
        entity: 'api_key',
        entityId: id,
        action: 'revoke',
        before: { revoked: false },
        after: { revoked: true },
        events: [recordEvent('api_key', 'revoked', toApiKeyDto(r), principal)],
      });
    }
    return r;
  });
}

export { listKeys, countKeys, activeManagerKeysWithoutRep } from './repository.ts';

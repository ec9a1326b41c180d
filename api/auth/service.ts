/** Creating, listing and revoking API keys; used by the CLI and the api-keys endpoints. */
import type { Kysely } from 'kysely';
import type { DB, Role } from '../../db/schema.ts';
import { AppError } from '../errors.ts';
import { generateKey } from './keys.ts';
import * as repo from './repository.ts';

/** Create a key; the secret is returned here once and never again. */
export async function createApiKey(
  db: Kysely<DB>,
  input: { name: string; role: Role; repId?: number | null },
) {
  if (input.repId != null) {
    const rep = await db
      .selectFrom('sales_reps')
      .select('id')
      .where('id', '=', input.repId)
      .executeTakeFirst();
    if (!rep)
      throw new AppError('unprocessable', `sales rep ${input.repId} does not exist`, {
        errors: [{ field: 'repId', message: 'unknown sales rep' }],
      });
  }
  const material = generateKey();
  const row = await repo.insertKey(db, {
    name: input.name,
    role: input.role,
    key_hash: material.hash,
    key_prefix: material.prefix,
    rep_id: input.repId ?? null,
  });
  return { ...row, key: material.key };
}

export { listKeys, revokeKey, countKeys } from './repository.ts';

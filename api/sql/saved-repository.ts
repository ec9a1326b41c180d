/** SQL for saved queries: rows with their owner's name, visibility in the WHERE clause. */
import { sql, type Insertable, type Kysely, type Transaction, type Updateable } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { SqlSavedQueriesTable } from '../../db/schema-sql.ts';
import type { IdPage } from '../pagination.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** Who owns a saved query: a user, or a machine key (a key of no user). */
export type Owner = { userId: number } | { keyId: number };

/** Which saved queries a list shows. */
export interface SavedScope {
  /** Everything (admin). */
  all: boolean;
  /** The caller's own, besides the shared ones; null: shared only (executive). */
  owner: Owner | null;
  shared?: boolean;
}

function selectSaved(db: Db) {
  return db
    .selectFrom('sql_saved_queries as q')
    .leftJoin('users as u', 'u.id', 'q.owner_user_id')
    .leftJoin('api_keys as k', 'k.id', 'q.owner_key_id')
    .selectAll('q')
    .select(sql<string | null>`coalesce(nullif(u.name, ''), u.email, k.name)`.as('owner_name'));
}

export function findSaved(db: Db, id: number) {
  return selectSaved(db).where('q.id', '=', id).executeTakeFirst();
}

export type SavedRow = NonNullable<Awaited<ReturnType<typeof findSaved>>>;

export function listSaved(db: Db, scope: SavedScope, page: IdPage) {
  let q = selectSaved(db);
  if (!scope.all) {
    const owner = scope.owner;
    q = q.where((eb) =>
      owner === null
        ? eb('q.shared', '=', true)
        : eb.or([
            eb('q.shared', '=', true),
            'userId' in owner
              ? eb('q.owner_user_id', '=', owner.userId)
              : eb.and([eb('q.owner_user_id', 'is', null), eb('q.owner_key_id', '=', owner.keyId)]),
          ]),
    );
  }
  if (scope.shared !== undefined) q = q.where('q.shared', '=', scope.shared);
  if (page.afterId !== undefined) q = q.where('q.id', '>', page.afterId);
  return q.orderBy('q.id').limit(page.limit).execute();
}

/** Another query of `owner` named `name` (any case), but `exceptId`. */
export function findByName(db: Db, owner: Owner, name: string, exceptId?: number) {
  let q = db
    .selectFrom('sql_saved_queries')
    .select(['id', 'name'])
    .where(sql<string>`lower(name)`, '=', sql<string>`lower(${name})`);
  q =
    'userId' in owner
      ? q.where('owner_user_id', '=', owner.userId)
      : q.where('owner_user_id', 'is', null).where('owner_key_id', '=', owner.keyId);
  if (exceptId !== undefined) q = q.where('id', '<>', exceptId);
  return q.executeTakeFirst();
}

export async function insertSaved(db: Db, row: Insertable<SqlSavedQueriesTable>) {
  const { id } = await db
    .insertInto('sql_saved_queries')
    .values(row)
    .returning('id')
    .executeTakeFirstOrThrow();
  return (await findSaved(db, id))!;
}

export async function updateSaved(db: Db, id: number, set: Updateable<SqlSavedQueriesTable>) {
  if (Object.values(set).some((v) => v !== undefined))
    await db.updateTable('sql_saved_queries').set(set).where('id', '=', id).execute();
  return (await findSaved(db, id))!;
}

export async function deleteSaved(db: Db, id: number): Promise<void> {
  await db.deleteFrom('sql_saved_queries').where('id', '=', id).execute();
}

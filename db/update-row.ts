/**
 * The one way a repository updates a row by id from a partial patch.
 *
 * A PATCH maps every absent field to `undefined` and Kysely drops undefined values, so `{}` (or a
 * patch whose fields are all absent) compiled to `UPDATE t SET WHERE id = $1`: PostgreSQL's
 * `syntax error at or near "where"`, a 500. An empty patch is a no-op instead: the row is read
 * as it is, nothing is written, and `updated_at` keeps its value (the warehouse extractor reads
 * rows by `updated_at`; a bump would re-extract an unchanged row).
 */
import type { Kysely, Selectable, Transaction, Updateable } from 'kysely';
import type { DB } from './schema.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** True when a partial update names no column (every value undefined). */
export function setsNothing(set: object): boolean {
  return Object.values(set).every((v) => v === undefined);
}

/**
 * `UPDATE table SET … WHERE id = $id RETURNING *`, or the unchanged row when `set` names no
 * column. Throws Kysely's NoResultError when there is no such row: callers look the row up (and
 * check who may change it) in the same transaction first.
 */
export async function updateRowById<T extends keyof DB>(
  db: Db,
  table: T,
  id: number | string,
  set: Updateable<DB[T]>,
): Promise<Selectable<DB[T]>> {
  // Kysely cannot type a query over a table chosen by a type parameter; the signature above
  // keeps callers typed.
  const anyDb = db as unknown as Kysely<any>;
  if (setsNothing(set)) {
    return (await anyDb
      .selectFrom(table as string)
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow()) as Selectable<DB[T]>;
  }
  return (await anyDb
    .updateTable(table as string)
    .set(set as never)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow()) as Selectable<DB[T]>;
}

/**
 * The one way a repository updates a row by id from a partial patch.
 *
 * A PATCH maps every absent field to `undefined` and Kysely drops undefined values, so `{}` (or a
 * patch whose fields are all absent) compiled to `UPDATE t SET WHERE id = $1`: PostgreSQL's
 * `syntax error at or near "where"`, a 500. An empty patch is a no-op instead: the row is read
 * as it is, nothing is written, and `updated_at` keeps its value (the warehouse extractor reads
 * rows by `updated_at`; a bump would re-extract an unchanged row).
 *
 * A soft-deleted row is gone for a PATCH: on tables with `deleted_at` only live rows match, as
 * the area-by-area updates this replaced did for categories and price lists. Callers still look
 * the row up first with a row lock (`lock: true` on the areas' finds), so a concurrent delete
 * either waits for the update or is seen by the lookup, which answers 404; the filter here is
 * what keeps a caller that forgot the lock from writing into a deleted row.
 */
import type { Kysely, Selectable, Transaction, Updateable } from 'kysely';
import type { DB } from './schema.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** Tables whose rows are soft-deleted: `deleted_at` null while the row is live. */
export type SoftDeletingTable = {
  [T in keyof DB]: Selectable<DB[T]> extends { deleted_at: Date | null }
    ? null extends Selectable<DB[T]>['deleted_at']
      ? T
      : never
    : never;
}[keyof DB];

/** Every soft-deleting table; the `satisfies` makes the compiler say when one is added. */
const SOFT_DELETING = {
  teams: true,
  sales_reps: true,
  customers: true,
  contacts: true,
  opportunities: true,
  activities: true,
  followup_rules: true,
  quotas: true,
  product_categories: true,
  products: true,
  price_lists: true,
  price_list_items: true,
  warehouses: true,
  reorder_rules: true,
  orders: true,
  webhooks: true,
} satisfies Record<SoftDeletingTable, true>;

/** True when a partial update names no column (every value undefined). */
export function setsNothing(set: object): boolean {
  return Object.values(set).every((v) => v === undefined);
}

/**
 * `UPDATE table SET … WHERE id = $id RETURNING *`, or the unchanged row when `set` names no
 * column. On a soft-deleting table only a live row matches, or only a deleted one with
 * `deleted: true` (a restore). Throws Kysely's NoResultError when no row matches: callers look
 * the row up, locked, and check who may change it in the same transaction first.
 */
export async function updateRowById<T extends keyof DB>(
  db: Db,
  table: T,
  id: number | string,
  set: Updateable<DB[T]>,
  opts: { deleted?: boolean } = {},
): Promise<Selectable<DB[T]>> {
  // Kysely cannot type a query over a table chosen by a type parameter; the signature above
  // keeps callers typed.
  const anyDb = db as unknown as Kysely<any>;
  const softDeleting = Object.hasOwn(SOFT_DELETING, table);
  const matching = <Q extends { where: (...args: any[]) => Q }>(q: Q): Q => {
    const byId = q.where('id', '=', id);
    if (!softDeleting) return byId;
    return byId.where('deleted_at', opts.deleted ? 'is not' : 'is', null);
  };
  if (setsNothing(set)) {
    return (await matching(
      anyDb.selectFrom(table as string).selectAll(),
    ).executeTakeFirstOrThrow()) as Selectable<DB[T]>;
  }
  return (await matching(anyDb.updateTable(table as string).set(set as never))
    .returningAll()
    .executeTakeFirstOrThrow()) as Selectable<DB[T]>;
}

/**
 * One page of a soft-deleting table's live rows in id order: the list behind teams, warehouses
 * and price lists, which had three copies of the same query. Keyset on id, as api/pagination.ts
 * explains; `page` undefined reads every live row.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { DB } from './schema.ts';
import type { SoftDeletingTable } from './update-row.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** Live rows (`deleted_at` null) of `table` with id above `page.afterId`, at most `page.limit`. */
export function listLiveRowsById<T extends SoftDeletingTable>(
  db: Db,
  table: T,
  page?: { afterId?: number; limit: number },
): Promise<Selectable<DB[T]>[]> {
  // Kysely cannot type a query over a table chosen by a type parameter; the signature above
  // keeps callers typed (as db/update-row.ts does).
  const anyDb = db as unknown as Kysely<any>;
  return anyDb
    .selectFrom(table as string)
    .selectAll()
    .where('deleted_at', 'is', null)
    .$if(page?.afterId !== undefined, (q) => q.where('id', '>', page!.afterId!))
    .orderBy('id')
    .$if(page !== undefined, (q) => q.limit(page!.limit))
    .execute() as Promise<Selectable<DB[T]>[]>;
}

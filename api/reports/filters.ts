/**
 * The `rep` and `country` filters as people type them, shared by the reports and the dashboards
 * so a URL means the same on both (a tile agrees with the report it is checked against): the rep
 * by its code (`R-ANA`), never the internal id, and the country as an ISO alpha-2 code in any
 * case. One resolver turns the code into the id the marts hold.
 */
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.ts';
import { countryCode } from '../customers/fields.ts';
import { fieldProblem } from '../errors.ts';

/** A rep code as a query parameter (`rep=R-ANA`); resolved with repIdByCode. */
export const repCodeFilter = z.string().trim().min(1).max(64);

/** An ISO 3166-1 alpha-2 country as a query parameter, upper-cased (`de` → `DE`). */
export const countryFilter = countryCode;

/**
 * The id of the rep whose code is `code`; 400 naming `rep` when there is none. A deleted rep's
 * code still resolves: their past orders are still revenue and still theirs.
 */
export async function repIdByCode(db: Kysely<DB> | Transaction<DB>, code: string): Promise<number> {
  const rep = await db
    .selectFrom('sales_reps')
    .select('id')
    .where('code', '=', code)
    .executeTakeFirst();
  if (!rep) throw fieldProblem('bad_request', 'rep', `no rep with code ${code}`, 'query');
  return rep.id;
}

/**
 * Kysely's view of a pg pool in which every parameterised statement is a named prepared
 * statement: PostgreSQL parses and plans it once per connection instead of on every call. On the
 * order hot path (bench/orders.ts) that cut PostgreSQL's CPU per confirmed order from 4.0 to
 * 2.9 ms — the statements are CTEs with JSON building whose planning cost more than running them.
 *
 * Only statements with parameters are named: they are always a single statement (PostgreSQL
 * refuses to prepare several), and text without parameters is DDL or BEGIN/COMMIT. Names are
 * given per distinct text, the same on every connection; after MAX_STATEMENTS texts (IN lists
 * of every arity, say) new ones run unnamed, so no connection's backend holds plans without end.
 *
 * Real PostgreSQL only: the embedded PGlite serves every socket connection from one session, so
 * connections would share — and collide on — statement names.
 *
 * A prepared `SELECT *` fails with "cached plan must not change result type" once a column is
 * added under a running server (migrations run before it serves, so only a manual ALTER can do
 * that); the connection that saw it is then destroyed rather than returned, taking its stale
 * statements with it.
 */
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';

/** Distinct statement texts that get a name (per pool). */
const MAX_STATEMENTS = 1000;

/** The pool Kysely's PostgresDialect is given; `pool` itself stays usable as is. */
export function preparingPool(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const nameOf = (text: string): string | undefined => {
    let name = names.get(text);
    if (name === undefined && names.size < MAX_STATEMENTS) {
      name = `salesops_${names.size + 1}`;
      names.set(text, name);
    }
    return name;
  };
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      let destroy = false;
      const noteStale = (e: unknown) => {
        if ((e as { code?: string }).code === '0A000') destroy = true; // see the file comment
        throw e;
      };
      // Kysely hands over a fresh array per query and pg does not change it, so no copy.
      const query = (text: string, parameters: unknown[]) => {
        const name = parameters.length > 0 ? nameOf(text) : undefined;
        const result =
          name === undefined
            ? client.query(text, parameters)
            : client.query({ name, text, values: parameters });
        return result.catch(noteStale);
      };
      return {
        // Kysely streams through a cursor only when given one; this dialect has none.
        query: query as unknown as PostgresPoolClient['query'],
        release: (fail?: boolean) => client.release(fail || destroy),
      };
    },
    end: () => pool.end(),
  };
}

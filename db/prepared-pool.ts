/**
 * Kysely's view of a pg pool in which every parameterised statement is a named prepared
 * statement: PostgreSQL parses and plans it once per connection instead of on every call. On the
 * order hot path (bench/orders.ts) that cut PostgreSQL's CPU per confirmed order from 4.0 to
 * 2.9 ms — the statements are CTEs with JSON building whose planning cost more than running them.
 *
 * Only statements with parameters are named: they are always a single statement (PostgreSQL
 * refuses to prepare several), and text without parameters is DDL or BEGIN/COMMIT. Names are
 * given per distinct text on its second run, the same on every connection; after
 * MAX_STATEMENTS texts new ones run unnamed, so no connection's backend holds plans without end.
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

/**
 * Distinct statement texts that get a name (per pool). Each connection's backend keeps a plan
 * per name it has prepared (typically 10–50 kB), so this bounds that memory per connection.
 */
const MAX_STATEMENTS = 200;
/** Texts seen once and not named yet; forgotten wholesale when it grows past this. */
const MAX_SEEN = 5000;

/** The pool Kysely's PostgresDialect is given; `pool` itself stays usable as is. */
export function preparingPool(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const seenOnce = new Set<string>();
  // A text is named the second time it runs: a one-off (a report with a rare filter, an IN
  // list of an unusual length) does not take one of the MAX_STATEMENTS names.
  const nameOf = (text: string): string | undefined => {
    const name = names.get(text);
    if (name !== undefined || names.size >= MAX_STATEMENTS) return name;
    if (!seenOnce.has(text)) {
      if (seenOnce.size >= MAX_SEEN) seenOnce.clear();
      seenOnce.add(text);
      return undefined;
    }
    seenOnce.delete(text);
    const given = `salesops_${names.size + 1}`;
    names.set(text, given);
    return given;
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

/**
 * Kysely's view of a pg pool in which every parameterised statement is a named prepared
 * statement: PostgreSQL parses and plans it once per connection instead of on every call. On the
 * order hot path (bench/orders.ts) that cut PostgreSQL's CPU per confirmed order from 4.0 to
 * 2.9 ms — the statements are CTEs with JSON building whose planning cost more than running them.
 *
 * Only statements with parameters are named: they are always a single statement (PostgreSQL
 * refuses to prepare several), and text without parameters is DDL or BEGIN/COMMIT. Names are
 * given per distinct text on its second run, the same on every connection; after
 * MAX_STATEMENTS texts new ones run unnamed, and so do big texts (a many-line insert), so no
 * connection's backend holds plans without end.
 *
 * Real PostgreSQL only: the embedded PGlite serves every socket connection from one session, so
 * connections would share — and collide on — statement names. SALESOPS_PG_PREPARED=false turns
 * it off (a pooler that cannot carry prepared statements).
 *
 * Schema changes under a running server (`salesops migrate` during a deploy): a prepared
 * `SELECT *` then fails with "cached plan must not change result type". That error starts a new
 * generation of names, so every connection prepares afresh instead of each failing once; the
 * connection that saw it is destroyed (its stale statements with it); outside a transaction the
 * statement is run again at once, and withLockingTransaction retries its transaction.
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
/** Bigger statements run unnamed: their plans are big, and their texts vary with row counts. */
const MAX_PARAMETERS = 64;
const MAX_TEXT = 8000;

/** PostgreSQL's error for a prepared statement whose result columns changed under it. */
export function isStalePlanError(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === '0A000' && /cached plan must not change result type/.test(err.message ?? '');
}

/** The pool Kysely's PostgresDialect is given; `pool` itself stays usable as is. */
export function preparingPool(pool: pg.Pool): PostgresPool {
  let names = new Map<string, string>();
  const seenOnce = new Set<string>();
  let generation = 1;
  // A text is named the second time it runs: a one-off (a report with a rare filter, an IN
  // list of an unusual length) does not take one of the MAX_STATEMENTS names.
  const nameOf = (text: string, parameters: number): string | undefined => {
    if (parameters === 0 || parameters > MAX_PARAMETERS || text.length > MAX_TEXT) return undefined;
    const name = names.get(text);
    if (name !== undefined || names.size >= MAX_STATEMENTS) return name;
    if (!seenOnce.has(text)) {
      if (seenOnce.size >= MAX_SEEN) seenOnce.clear();
      seenOnce.add(text);
      return undefined;
    }
    seenOnce.delete(text);
    const given = `salesops_${generation}_${names.size + 1}`;
    names.set(text, given);
    return given;
  };
  const newGeneration = () => {
    generation++;
    names = new Map();
  };
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      let destroy = false;
      let inTransaction = false;
      // Kysely hands over a fresh array per query and pg does not change it, so no copy.
      const query = async (text: string, parameters: unknown[]) => {
        const keyword = text.slice(0, 16).trimStart().toLowerCase();
        if (keyword.startsWith('begin') || keyword.startsWith('start transaction'))
          inTransaction = true;
        else if (keyword.startsWith('commit') || keyword.startsWith('rollback'))
          inTransaction = false;
        const name = nameOf(text, parameters.length);
        if (name === undefined) return client.query(text, parameters);
        try {
          return await client.query({ name, text, values: parameters });
        } catch (e) {
          if (!isStalePlanError(e)) throw e;
          destroy = true;
          if (names.get(text) === name) newGeneration();
          if (inTransaction) throw e; // the transaction is aborted; its caller may retry it
          return client.query(text, parameters);
        }
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

/**
 * db/prepared-pool.ts against real PostgreSQL: a parameterised statement run a second time becomes
 * a named prepared statement (one per distinct text, reused), others are not, and a connection
 * whose prepared plan went stale after an ALTER is destroyed instead of handed out again.
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openPostgres } from '../db/postgres.ts';
import { preparingPool } from '../db/prepared-pool.ts';
import { createTestDatabase } from './support/postgres.ts';

describe.skipIf(!inject('pgAvailable'))('preparingPool [postgres]', () => {
  let target: { url: string; drop: () => Promise<void> };
  let pool: pg.Pool;
  let db: Kysely<any>;

  beforeAll(async () => {
    target = await createTestDatabase('salesops_prep');
    // One connection, so every query below runs in the same backend.
    pool = new pg.Pool({ connectionString: target.url, max: 1 });
    db = new Kysely<any>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
    await sql`CREATE TABLE t (id int PRIMARY KEY, name text)`.execute(db);
    await sql`INSERT INTO t VALUES (1, 'a'), (2, 'b')`.execute(db);
  });
  afterAll(async () => {
    await db?.destroy();
    await target?.drop();
  });

  const prepared = async () =>
    (
      await sql<{
        statement: string;
      }>`SELECT statement FROM pg_prepared_statements ORDER BY statement`.execute(db)
    ).rows.map((r) => r.statement);

  it('prepares a parameterised text on its second run and reuses it; others are not', async () => {
    await db.selectFrom('t').select('id').where('name', '=', 'a').execute(); // a one-off
    for (const id of [1, 2, 1]) {
      const r = await db.selectFrom('t').select('name').where('id', '=', id).execute();
      expect(r).toHaveLength(1);
    }
    const names = await prepared();
    expect(names.filter((s) => s.includes('select "name" from "t"'))).toHaveLength(1);
    expect(names.some((s) => s.includes('select "id" from "t"'))).toBe(false);
    expect(names.some((s) => s.includes('pg_prepared_statements'))).toBe(false);
  });

  it('leaves statements with many parameters unnamed', async () => {
    const ids = Array.from({ length: 70 }, (_, i) => i);
    for (const _ of [1, 2, 3])
      await db.selectFrom('t').select('id').where('id', 'in', ids).execute();
    expect((await prepared()).some((s) => s.includes('"id" in ('))).toBe(false);
  });

  it('openPostgres with prepared: false prepares nothing', async () => {
    const plain = await openPostgres(target.url, { max: 1, prepared: false });
    try {
      for (let i = 0; i < 3; i++) {
        await sql`SELECT ${i}::int AS n`.execute(plain.db);
      }
      const r = await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM pg_prepared_statements`.execute(plain.db);
      expect(r.rows[0]!.n).toBe(0);
    } finally {
      await plain.close();
    }
  });

  it('after a schema change: retries outside a transaction, fails one inside, then recovers', async () => {
    const select = (d: Kysely<any> = db) =>
      d.selectFrom('t').selectAll().where('id', '=', 1).execute();
    expect(await select()).toEqual([{ id: 1, name: 'a' }]);
    expect(await select()).toEqual([{ id: 1, name: 'a' }]); // now prepared
    await sql`ALTER TABLE t ADD COLUMN extra int`.execute(db);
    // Outside a transaction the stale statement runs again at once, with the new column.
    expect(await select()).toEqual([{ id: 1, name: 'a', extra: null }]);
    for (const _ of [1, 2]) expect(await select()).toEqual([{ id: 1, name: 'a', extra: null }]);
    await sql`ALTER TABLE t ADD COLUMN more int`.execute(db);
    // Inside one the transaction is aborted: the error reaches the caller (who may retry).
    await expect(db.transaction().execute((trx) => select(trx))).rejects.toMatchObject({
      code: '0A000',
    });
    // A new generation of names: the next transaction prepares afresh.
    expect(await db.transaction().execute((trx) => select(trx))).toEqual([
      { id: 1, name: 'a', extra: null, more: null },
    ]);
  });
});

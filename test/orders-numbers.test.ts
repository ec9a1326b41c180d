/**
 * Order numbers never collide, whatever put rows in orders (issue 11): numbers taken by hand SQL
 * are skipped in one step, numbers past 999,999 keep every digit, concurrent creates stay unique.
 */
import { sql } from 'kysely';
import { advanceOrderNumbers } from '../db/order-numbers.ts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import { makeCustomer, makeProduct, makeWarehouse } from './orders-fixtures.ts';

describeBoth('order numbers', (kind) => {
  let env: TestEnv;
  let customerId: number;
  let productId: number;

  const create = () =>
    env.request('POST', '/api/v1/orders', {
      key: 'staff',
      body: { customerId, lines: [{ productId, quantity: 1 }] },
    });
  /** Orders written straight into the table, as a bulk load or hand SQL would. */
  const insertByHand = (numbers: string[]) =>
    env.ops.db
      .insertInto('orders')
      .values(numbers.map((number) => ({ number, customer_id: customerId })))
      .execute();
  const numeric = (number: string) => Number(number.slice(3));

  beforeAll(async () => {
    env = await startTestEnv(kind);
    await makeWarehouse(env);
    productId = await makeProduct(env);
    customerId = await makeCustomer(env);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('skips numbers already taken in one step, burning none of them one by one', async () => {
    const first = await create();
    expect(first.status, first.text).toBe(201);
    expect(first.body.number).toMatch(/^SO-\d{6}$/);
    const n = numeric(first.body.number);
    // The next 500 numbers are taken behind the sequence's back.
    await insertByHand(
      Array.from({ length: 500 }, (_, i) => `SO-${String(n + 1 + i).padStart(6, '0')}`),
    );
    const next = await create();
    expect(next.status, next.text).toBe(201);
    expect(next.body.number).toBe(`SO-${String(n + 501).padStart(6, '0')}`);
    const after = await create();
    expect(after.body.number).toBe(`SO-${String(n + 502).padStart(6, '0')}`);
    // The collision left nothing behind: every order has its lines and its created event.
    const orphans = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM orders o
      WHERE o.number = ANY(${[next.body.number, after.body.number]})
        AND NOT EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id)`.execute(env.ops.db);
    expect(orphans.rows[0]!.n).toBe(0);
  });

  it('keeps every digit past 999,999 and never reuses SO-100000', async () => {
    await sql`SELECT setval('order_number_seq', 999998)`.execute(env.ops.db);
    await insertByHand(['SO-100000']);
    const numbers: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await create();
      expect(r.status, r.text).toBe(201);
      numbers.push(r.body.number);
    }
    expect(numbers).toEqual(['SO-999999', 'SO-1000000', 'SO-1000001']);
    // A hand-written number past the sequence is skipped in the long format too.
    await insertByHand(['SO-1000002', 'SO-1000003']);
    expect((await create()).body.number).toBe('SO-1000004');
  });

  it('gives concurrent creates distinct numbers even when they all meet a taken one', async () => {
    const probe = await create();
    const n = numeric(probe.body.number);
    await insertByHand(Array.from({ length: 20 }, (_, i) => `SO-${n + 1 + i}`));
    const results = await Promise.all(Array.from({ length: 12 }, () => create()));
    for (const r of results) expect(r.status, r.text).toBe(201);
    const got = results.map((r) => numeric(r.body.number));
    expect(new Set(got).size).toBe(12);
    expect(Math.min(...got)).toBeGreaterThan(n + 20);
  });

  it('serves waves of concurrent creates, each meeting freshly loaded numbers, without a refusal', async () => {
    // Each wave: a bulk load takes the next numbers behind the sequence's back, then many creates
    // race into them at once, so several advance the sequence while others draw from it. An
    // advance that moved the sequence back under a number just handed out would make later
    // creates meet that number again, burn their attempts and answer 409.
    const WAVES = 5;
    const CREATES = 40;
    const got: number[] = [];
    for (let wave = 0; wave < WAVES; wave++) {
      const top = numeric((await create()).body.number);
      await insertByHand(
        Array.from({ length: 200 }, (_, i) => `SO-${String(top + 1 + i).padStart(6, '0')}`),
      );
      const results = await Promise.all(Array.from({ length: CREATES }, () => create()));
      for (const r of results) expect(r.status, r.text).toBe(201);
      const numbers = results.map((r) => numeric(r.body.number));
      expect(Math.min(...numbers)).toBeGreaterThan(top + 200);
      got.push(...numbers);
    }
    expect(new Set(got).size).toBe(WAVES * CREATES);
    // The sequence ends past every number in the table: the next create needs no advance.
    const ahead = await sql<{ ok: boolean }>`
      SELECT (SELECT last_value FROM order_number_seq) >= max(substring(number FROM 4)::bigint) AS ok
      FROM orders WHERE number ~ '^SO-[0-9]{1,18}$'`.execute(env.ops.db);
    expect(ahead.rows[0]!.ok).toBe(true);
  });

  // Two open transactions need two connections: PostgreSQL only (PGlite has one session).
  it.runIf(kind === 'postgres')(
    'an advance never moves the sequence back and holds no lock past itself',
    async () => {
      const sequence = async () =>
        Number(
          (
            await sql<{ v: string }>`SELECT last_value::text AS v FROM order_number_seq`.execute(
              env.ops.db,
            )
          ).rows[0]!.v,
        );
      const taken = (await sequence()) + 50;
      await insertByHand([`SO-${String(taken).padStart(6, '0')}`]);
      let finishFirst!: () => void;
      const firstHeld = new Promise<void>((resolve) => (finishFirst = resolve));
      let firstAdvanced!: () => void;
      const advanced = new Promise<void>((resolve) => (firstAdvanced = resolve));
      // The first advance's transaction stays open until the end of the test.
      const first = env.ops.db.transaction().execute(async (trx) => {
        await advanceOrderNumbers(trx);
        firstAdvanced();
        await firstHeld;
      });
      await advanced;
      expect(await sequence()).toBe(taken);
      // Creates draw numbers past it, then a second advance sees the same `top` from the table.
      for (let i = 0; i < 3; i++) expect((await create()).status).toBe(201);
      const second = env.ops.db.transaction().execute((trx) => advanceOrderNumbers(trx));
      const outcome = await Promise.race([
        second.then(() => 'done'),
        new Promise((resolve) => setTimeout(() => resolve('blocked'), 5000)),
      ]);
      finishFirst();
      await first;
      await second;
      expect(outcome, 'the second advance waited for the first transaction').toBe('done');
      expect(await sequence()).toBe(taken + 3);
    },
  );
});

/**
 * Customer list and picture with segment scores (api/customers/scores.ts), at a size where a bad
 * plan would show: `--customers` (default 100,000) customers with scores in every one of the
 * KEEP_RUNS (30) runs the segment job keeps — 3 M customer_scores rows — on a fresh PostgreSQL
 * database. Times one page (limit 50) of the list as the API reads it (newest run, then the page),
 * first and deep in the keyset, with each score filter, against the baseline of the same page of
 * customers without scores; and the picture's score query against a lookup of the customer by id.
 * Prints medians and their ratio to the baseline (absolute times on a shared machine are noise),
 * as migrated and again with an index on (run_id, customer_id), with the slowest case's plans.
 *
 *   npx tsx bench/customer-scores.ts [--customers 100000] [--rounds 30]
 */
import { CompiledQuery, sql, type Kysely } from 'kysely';
import { performance } from 'node:perf_hooks';
import { customerListQuery, listCustomers } from '../api/customers/repository.ts';
import { newestScoreRun, scoresOfCustomer } from '../api/customers/scores.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { openPostgres } from '../db/postgres.ts';
import type { DB } from '../db/schema.ts';
import { RFM_SEGMENTS } from '../segment/rfm-segments.ts';
import { KEEP_RUNS } from '../segment/store-warehouse.ts';
import { createTestDatabase } from '../test/support/postgres.ts';
import { fmt, intArg } from './demo-warehouse.ts';

const CUSTOMERS = intArg('customers', 100_000);
const ROUNDS = intArg('rounds', 30);
const PAGE = 50;

/** The median time of `fn` over ROUNDS calls after one warm-up call, in milliseconds. */
async function median(fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** 100,000 customers (10 reps, 1 in 50 deleted) and KEEP_RUNS runs of scores for each. */
async function seed(db: Kysely<DB>): Promise<void> {
  await sql`INSERT INTO sales_reps (code, name) SELECT 'R' || i, 'Rep ' || i FROM generate_series(1, 10) i`.execute(
    db,
  );
  await sql`INSERT INTO customers (code, name, owner_rep_id, deleted_at)
    SELECT 'C' || i, 'Customer ' || i, (SELECT min(id) FROM sales_reps) + i % 10,
           CASE WHEN i % 50 = 0 THEN now() END
    FROM generate_series(1, ${CUSTOMERS}::int) i`.execute(db);
  for (let run = 1; run <= KEEP_RUNS; run++) {
    const id = (
      await db
        .insertInto('segment_runs')
        .values({ status: 'succeeded', as_of: '2026-06-30', finished_at: new Date() })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    // Deterministic but scattered: hashes of (customer, run) pick the segment and the risk.
    await sql`INSERT INTO customer_scores
      SELECT ${id}, c.id, (${RFM_SEGMENTS}::text[])[1 + abs(hashint8(c.id * 31 + ${run})) % 11],
             1 + abs(hashint8(c.id + ${run})) % 5, 1 + abs(hashint8(c.id * 7)) % 5,
             1 + abs(hashint8(c.id * 13)) % 5, abs(hashint8(c.id)) % 4, 'cluster',
             round((abs(hashint8(c.id * 17 + ${run})) % 10001) / 10000.0, 4)
      FROM customers c`.execute(db);
  }
  await sql`ANALYZE`.execute(db);
}

async function main(): Promise<void> {
  const target = await createTestDatabase('salesops_bench_scores');
  const ops = await openPostgres(target.url);
  try {
    await migrateToLatest(ops.db);
    const t0 = performance.now();
    await seed(ops.db);
    console.log(
      `${fmt(CUSTOMERS)} customers × ${KEEP_RUNS} runs = ${fmt(CUSTOMERS * KEEP_RUNS)} scores, seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const db = ops.db;
    const deep = Math.floor(CUSTOMERS * 0.9);
    const baseline = (after?: number) =>
      db
        .selectFrom('customers')
        .selectAll()
        .where('deleted_at', 'is', null)
        .$if(after !== undefined, (q) => q.where('id', '>', after!))
        .orderBy('id')
        .limit(PAGE + 1)
        .execute();
    const page = async (f: Parameters<typeof listCustomers>[1], after?: number) => {
      const run = await newestScoreRun(db);
      return listCustomers(db, f, null, after, PAGE, run!.id);
    };
    const base = await median(() => baseline());
    const baseDeep = await median(() => baseline(deep));
    const lookup = await median(() =>
      db.selectFrom('customers').selectAll().where('id', '=', deep).execute(),
    );
    const cases: [string, Parameters<typeof listCustomers>[1]][] = [
      ['no filter', {}],
      ['segment=at_risk', { segment: 'at_risk' }],
      ['churnRiskMin=0.6', { churnRiskMin: '0.6' }],
      ['churnRiskMin=0.99 (1 %)', { churnRiskMin: '0.99' }],
      ['segment=at_risk&churnRiskMin=0.9', { segment: 'at_risk', churnRiskMin: '0.9' }],
    ];
    /** Every case's median and its baseline, in the order printed. */
    const measure = async () => {
      const rows: [string, number, number][] = [];
      for (const [name, f] of cases) {
        rows.push([`${name}, first page`, await median(() => page(f)), base]);
        rows.push([`${name}, page at 90 %`, await median(() => page(f, deep)), baseDeep]);
      }
      rows.push([
        'picture: scores of one customer',
        await median(() => scoresOfCustomer(db, deep)),
        lookup,
      ]);
      return rows;
    };
    const explain = async (
      name: string,
      f: Parameters<typeof listCustomers>[1],
      after?: number,
    ) => {
      const run = await newestScoreRun(db);
      const q = customerListQuery(db, f, null, after, PAGE, run!.id).compile();
      const plan = await db.executeQuery<{ 'QUERY PLAN': string }>(
        CompiledQuery.raw(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ${q.sql}`, [
          ...q.parameters,
        ]),
      );
      console.log(`\nplan, ${name}:\n${plan.rows.map((r) => '  ' + r['QUERY PLAN']).join('\n')}`);
    };
    const as = await measure();
    const worst = cases.at(-1)!;
    await explain(`${worst[0]}, page at 90 %, primary key only`, worst[1], deep);
    // The primary key leads with customer_id (one customer's history); a page of one run in id
    // order reads it skipping the other 29 runs' entries. An index led by run_id would not.
    await sql`CREATE INDEX bench_scores_run_customer ON customer_scores (run_id, customer_id)`.execute(
      db,
    );
    await sql`ANALYZE customer_scores`.execute(db);
    const withIndex = await measure();
    await explain(`${worst[0]}, page at 90 %, with (run_id, customer_id)`, worst[1], deep);
    console.log(
      `\nmedian of ${ROUNDS} in ms, and × the baseline: the same page of customers without scores (picture: the customer by id)`,
    );
    console.log(
      `  ${''.padEnd(44)} ${'as migrated'.padStart(18)} ${'+ (run_id, customer_id)'.padStart(24)}`,
    );
    as.forEach(([name, ms, b], i) => {
      const w = withIndex[i]![1];
      const cell = (x: number) => `${x.toFixed(2)} ms ${(x / b).toFixed(1).padStart(5)}×`;
      console.log(`  ${name.padEnd(44)} ${cell(ms).padStart(18)} ${cell(w).padStart(24)}`);
    });
    console.log(
      `  baselines: page ${base.toFixed(2)} ms, page at 90 % ${baseDeep.toFixed(2)} ms, by id ${lookup.toFixed(2)} ms`,
    );
  } finally {
    await ops.close();
    await target.drop();
  }
}

await main();

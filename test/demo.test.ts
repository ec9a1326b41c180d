/**
 * Demo data generator on real databases: determinism (same seed → same rows on PostgreSQL and
 * PGlite, checksummed in SQL), and the invariants the rest of the product relies on (ledger =
 * levels, totals = lines, statuses agree with timestamps, sequences moved past the demo ids).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_COLUMNS,
  DEMO_PRICE_ELASTICITY,
  DEMO_TABLES,
  DemoTargetNotEmptyError,
  loadDemo,
  type DemoProgress,
  type DemoSummary,
} from '../db/demo/index.ts';
import { isEmptyForDemo } from '../db/demo/empty.ts';
import type { OperationalDb } from '../db/operational.ts';
import { openTestDb } from './support/harness.ts';
import { ADMIN_URL, postgresReachable } from './support/postgres.ts';

const END = new Date('2025-06-15T00:00:00Z');
const ORDERS = 2000;
const SEED = 7;

const pgOk = await postgresReachable();
if (!pgOk && process.env.CI === 'true')
  throw new Error(`CI=true but PostgreSQL is not reachable at ${ADMIN_URL}`);
if (!pgOk)
  console.warn(
    `!! PostgreSQL not reachable at ${ADMIN_URL}: demo tests compare two PGlite databases instead`,
  );

interface Target {
  ops: OperationalDb;
  summary: DemoSummary;
  progress: DemoProgress[];
  close(): Promise<void>;
}

/** A fresh, migrated, empty database of `kind`, and how to throw it away. */
async function openEmpty(
  kind: 'postgres' | 'embedded',
): Promise<{ ops: OperationalDb; close(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-test-'));
  const { ops, dispose } = await openTestDb(kind, dir);
  return {
    ops,
    close: async () => {
      await dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function openTarget(kind: 'postgres' | 'embedded', seed: number): Promise<Target> {
  const { ops, close } = await openEmpty(kind);
  const progress: DemoProgress[] = [];
  const summary = await loadDemo(ops, {
    orders: ORDERS,
    seed,
    endDate: END,
    onProgress: (p) => progress.push(p),
  });
  return { ops, summary, progress, close };
}

/** md5 per table over exactly the columns the demo writes, rows in key order, text in UTC. */
async function checksums(ops: OperationalDb): Promise<Record<string, string>> {
  const client = await ops.pool.connect();
  try {
    await client.query(`SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'`);
    const out: Record<string, string> = {};
    for (const table of DEMO_TABLES) {
      const cols: string[] = [
        ...DEMO_COLUMNS[table],
        ...(table === 'teams' ? ['manager_rep_id'] : []),
      ];
      const key = table === 'stock_levels' ? 'product_id, warehouse_id' : 'id';
      const row = `ROW(${cols.map((c) => `"${c}"`).join(', ')})::text`;
      const { rows } = await client.query(
        `SELECT md5(string_agg(${row}, E'\\n' ORDER BY ${key})) AS h FROM "${table}"`,
      );
      out[table] = rows[0].h;
    }
    return out;
  } finally {
    client.release();
  }
}

/** Run a query and return its rows. */
async function q<T = Record<string, unknown>>(ops: OperationalDb, text: string): Promise<T[]> {
  return (await ops.pool.query(text)).rows as T[];
}

let first: Target;
let second: Target;
let otherSeed: Target;

beforeAll(async () => {
  first = await openTarget('embedded', SEED);
  second = await openTarget(pgOk ? 'postgres' : 'embedded', SEED);
  otherSeed = await openTarget('embedded', SEED + 1);
}, 240_000);

afterAll(async () => {
  await Promise.all([first, second, otherSeed].map((t) => t?.close()));
});

describe('demo data: determinism', () => {
  it(`gives identical rows for the same seed (${pgOk ? 'PGlite vs PostgreSQL' : 'two PGlite'})`, async () => {
    const a = await checksums(first.ops);
    const b = await checksums(second.ops);
    expect(Object.values(a).every((h) => typeof h === 'string' && h.length === 32)).toBe(true);
    expect(b).toEqual(a);
    expect(second.summary).toEqual(first.summary);
  });

  it('gives different rows for a different seed', async () => {
    const a = await checksums(first.ops);
    const c = await checksums(otherSeed.ops);
    for (const table of [
      'customers',
      'products',
      'orders',
      'order_lines',
      'stock_movements',
      'opportunities',
    ]) {
      expect(c[table], table).not.toBe(a[table]);
    }
  });

  it('reports progress and refuses a database that already holds data', async () => {
    const orders = first.progress.filter((p) => p.phase === 'orders');
    expect(orders.at(-1)).toEqual({ phase: 'orders', done: ORDERS, total: ORDERS });
    expect(first.progress.some((p) => p.phase === 'customers')).toBe(true);
    await expect(loadDemo(first.ops, { orders: 10, seed: 1, endDate: END })).rejects.toBeInstanceOf(
      DemoTargetNotEmptyError,
    );
    expect(Object.keys(DEMO_PRICE_ELASTICITY)).toHaveLength(8);
  });
});

describe('demo data: an interrupted load', () => {
  it.each(pgOk ? (['embedded', 'postgres'] as const) : (['embedded'] as const))(
    'keeps nothing on %s, so the next load starts from empty',
    async (kind) => {
      const target = await openEmpty(kind);
      try {
        const count = async () =>
          (
            await q<{ n: number }>(
              target.ops,
              `SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM products)
                    + (SELECT count(*) FROM orders) + (SELECT count(*) FROM order_lines)
                    + (SELECT count(*) FROM sales_reps) + (SELECT count(*) FROM teams) AS n`,
            )
          )[0]!.n;
        // Fail half-way through the orders, after customers, products and some orders are in.
        const crash = new Error('simulated crash');
        await expect(
          loadDemo(target.ops, {
            orders: 400,
            seed: SEED,
            endDate: END,
            onProgress: (p) => {
              if (p.phase === 'orders' && p.done >= 200) throw crash;
            },
          }),
        ).rejects.toBe(crash);
        expect(await count()).toBe(0);
        expect(await isEmptyForDemo(target.ops.db)).toBe(true);
        const summary = await loadDemo(target.ops, { orders: 400, seed: SEED, endDate: END });
        expect(summary.orders).toBe(400);
        expect(await count()).toBeGreaterThan(400);
      } finally {
        await target.close();
      }
    },
    60_000,
  );
});

describe.each([
  ['first', () => first],
  ['second', () => second],
])('demo data invariants (%s database)', (_name, target) => {
  it('loads the asked number of orders, with their lines, over two years', async () => {
    const { ops, summary } = target();
    const [row] = await q<{ n: number; lines: number; from: string; to: string }>(
      ops,
      `SELECT (SELECT count(*) FROM orders WHERE source = 'demo') AS n, (SELECT count(*) FROM order_lines) AS lines,
              min(ordered_at)::date::text AS from, max(ordered_at)::date::text AS to FROM orders`,
    );
    expect(row).toEqual({
      n: ORDERS,
      lines: summary.orderLines,
      from: '2023-06-16',
      to: '2025-06-14',
    });
    expect(summary).toMatchObject({ orders: ORDERS, customers: 500, products: 200 });
  });

  it('keeps the stock ledger equal to the levels, and on hand ≥ reserved ≥ 0', async () => {
    const { ops } = target();
    const bad = await q(
      ops,
      `SELECT * FROM stock_levels sl
       FULL JOIN (SELECT product_id, warehouse_id, sum(on_hand_delta) AS oh, sum(reserved_delta) AS r
                  FROM stock_movements GROUP BY 1, 2) m USING (product_id, warehouse_id)
       WHERE sl.on_hand IS DISTINCT FROM m.oh OR sl.reserved IS DISTINCT FROM m.r
          OR sl.reserved < 0 OR sl.on_hand < sl.reserved`,
    );
    expect(bad).toEqual([]);
    // One shipment per shipped line; reservations exactly for lines still holding stock.
    const [m] = await q<{ ships: number; shipped: number; res: number; holding: number }>(
      ops,
      `SELECT (SELECT count(*) FROM stock_movements WHERE movement_type = 'shipment') AS ships,
              (SELECT count(*) FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.shipped_at IS NOT NULL) AS shipped,
              (SELECT sum(reserved) FROM stock_levels) AS res,
              (SELECT coalesce(sum(l.quantity), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id
                WHERE o.status IN ('confirmed', 'pending_approval')) AS holding`,
    );
    expect(m!.ships).toBe(m!.shipped);
    expect(m!.res).toBe(m!.holding);
  });

  it('has order totals from their lines by the money rule (docs/api.md), half away from zero', async () => {
    const { ops } = target();
    const bad = await q(
      ops,
      `WITH l AS (
         SELECT order_id, round(sum(quantity * unit_price), 2) AS subtotal,
                round(sum(quantity * unit_price * discount), 2) AS discount,
                round(sum(quantity * unit_price * discount)
                      + sum(returned_quantity * unit_price * (1 - discount)), 2) AS taken,
                bool_and(line_total = round(quantity * unit_price * (1 - discount), 2)) AS lines_ok
         FROM order_lines GROUP BY order_id)
       SELECT o.id FROM orders o LEFT JOIN l ON l.order_id = o.id
       WHERE l.order_id IS NULL OR NOT l.lines_ok OR o.subtotal <> l.subtotal
          OR o.discount_total <> l.discount OR o.returned_total <> l.taken - l.discount
          OR o.total <> l.subtotal - l.taken`,
    );
    expect(bad).toEqual([]);
    // The rule differs from rounding each line where it matters: some orders show it.
    const [differs] = await q<{ n: number }>(
      ops,
      `SELECT count(*)::int AS n FROM orders o WHERE o.discount_total <>
         (SELECT sum(round(quantity * unit_price, 2)) - sum(line_total) FROM order_lines
          WHERE order_id = o.id)`,
    );
    expect(differs!.n).toBeGreaterThan(0);
  });

  it('has statuses that agree with their timestamps', async () => {
    const { ops } = target();
    const bad = await q(
      ops,
      `SELECT id, status FROM orders WHERE NOT CASE status
         WHEN 'draft' THEN confirmed_at IS NULL AND cancelled_at IS NULL AND shipped_at IS NULL
         WHEN 'pending_approval' THEN confirmed_at IS NULL AND approved_at IS NULL AND shipped_at IS NULL
         WHEN 'confirmed' THEN confirmed_at IS NOT NULL AND shipped_at IS NULL
         WHEN 'shipped' THEN shipped_at >= confirmed_at AND delivered_at IS NULL
         WHEN 'delivered' THEN delivered_at >= shipped_at AND returned_at IS NULL AND cancelled_at IS NULL
         WHEN 'returned' THEN returned_at >= delivered_at AND returned_total > 0
         WHEN 'cancelled' THEN cancelled_at >= ordered_at AND confirmed_at IS NULL AND shipped_at IS NULL
       END
       OR confirmed_at < ordered_at OR greatest(ordered_at, confirmed_at, shipped_at, delivered_at,
          returned_at, cancelled_at, paid_at) >= '2025-06-15'`,
    );
    expect(bad).toEqual([]);
    const old = await q<{ status: string }>(
      ops,
      `SELECT DISTINCT status FROM orders WHERE ordered_at < '2025-05-01' ORDER BY 1`,
    );
    expect(old.map((r) => r.status)).toEqual(['cancelled', 'delivered', 'returned']);
    const recent = await q(
      ops,
      `SELECT DISTINCT status FROM orders WHERE ordered_at >= '2025-06-01'`,
    );
    expect(recent.length).toBeGreaterThanOrEqual(3);
  });

  it('ends a few products below their reorder point, each with one open stock.low alert', async () => {
    const { ops } = target();
    const low = await q<{ product_id: number; warehouse_id: number }>(
      ops,
      `SELECT sl.product_id, sl.warehouse_id FROM stock_levels sl
       JOIN reorder_rules r USING (product_id, warehouse_id)
       WHERE sl.on_hand - sl.reserved <= r.reorder_point ORDER BY 1, 2`,
    );
    const alerts = await q<{ product_id: number; warehouse_id: number }>(
      ops,
      `SELECT product_id, warehouse_id FROM alerts
       WHERE kind = 'stock.low' AND acknowledged_at IS NULL ORDER BY 1, 2`,
    );
    expect(low.length).toBeGreaterThanOrEqual(3);
    expect(low.length).toBeLessThanOrEqual(20);
    expect(alerts).toEqual(low);
  });

  it('gives customer segments their behaviour', async () => {
    const { ops } = target();
    const rows = await q<{ segment: string; last: string; first: string; created_ok: boolean }>(
      ops,
      `SELECT c.tags[1] AS segment, max(o.ordered_at)::date::text AS last, min(o.ordered_at)::date::text AS first,
              bool_and(c.created_at <= o.ordered_at) AS created_ok
       FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.id`,
    );
    expect(rows.every((r) => r.created_ok)).toBe(true);
    const lapsing = rows.filter((r) => r.segment === 'demo:lapsing');
    expect(lapsing.length).toBeGreaterThan(10);
    expect(lapsing.every((r) => r.last < '2025-03-17')).toBe(true); // stopped ≥ 90 days before the end
    const fresh = rows.filter((r) => r.segment === 'demo:new');
    expect(fresh.length).toBeGreaterThan(10);
    expect(fresh.every((r) => r.first >= '2024-12-17')).toBe(true); // started in the last ~6 months
    const [days] = await q<{ weekday: number; weekend: number }>(
      ops,
      `SELECT count(*) FILTER (WHERE extract(isodow FROM ordered_at AT TIME ZONE 'UTC') <= 5) AS weekday,
              count(*) FILTER (WHERE extract(isodow FROM ordered_at AT TIME ZONE 'UTC') > 5) AS weekend
       FROM orders`,
    );
    // Five weekdays against two weekend days, each weekend day at ≤ 15 % of a weekday.
    expect(days!.weekday).toBeGreaterThan(10 * days!.weekend);
  });

  it('keeps catalog, quotas and pipeline consistent', async () => {
    const { ops } = target();
    const [checks] = await q<Record<string, number>>(
      ops,
      `SELECT
         (SELECT count(*) FROM products p WHERE list_price <> (SELECT h.list_price FROM product_price_history h
            WHERE h.product_id = p.id ORDER BY valid_from DESC LIMIT 1)) AS stale_prices,
         (SELECT count(*) FROM products p WHERE (SELECT count(*) FROM product_price_history h WHERE h.product_id = p.id)
            NOT BETWEEN 3 AND 5) AS bad_history,
         (SELECT count(*) FROM quotas) AS quotas,
         (SELECT count(*) FROM opportunities WHERE (stage IN ('won', 'lost')) <> (closed_at IS NOT NULL)
            OR (stage = 'lost') <> (lost_reason IS NOT NULL)) AS bad_opps,
         (SELECT count(*) FROM opportunities o WHERE NOT EXISTS (SELECT 1 FROM opportunity_stage_history h
            WHERE h.opportunity_id = o.id AND h.from_stage IS NULL AND h.to_stage = 'lead')) AS no_history,
         (SELECT count(*) FROM order_rules WHERE id = 'minimum-order-value') AS min_rule`,
    );
    expect(checks).toEqual({
      stale_prices: 0,
      bad_history: 0,
      quotas: 25 * 15,
      bad_opps: 0,
      no_history: 0,
      min_rule: 1,
    });
  });

  it('moves every identity sequence and the order numbers past the demo ids', async () => {
    const { ops } = target();
    const c = await ops.db
      .insertInto('customers')
      .values({ code: `X-${randomBytes(3).toString('hex')}`, name: 'After demo' })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(c.id).toBeGreaterThan(500);
    for (const table of DEMO_TABLES.filter((t) => t !== 'order_rules' && t !== 'stock_levels')) {
      const { rows } = await sql<{ ok: boolean }>`
        SELECT nextval(pg_get_serial_sequence(${table}, 'id')) > (SELECT coalesce(max(id), 0) FROM ${sql.table(table)}) AS ok`.execute(
        ops.db,
      );
      expect(rows[0]?.ok, table).toBe(true);
    }
    // The API's order numbers start after the demo's SO-000001…: no collision on the first order.
    const { rows } = await sql<{ ok: boolean }>`
      SELECT nextval('order_number_seq') > (SELECT max(substring(number FROM 4)::bigint)
        FROM orders WHERE number ~ '^SO-[0-9]+$') AS ok`.execute(ops.db);
    expect(rows[0]?.ok, 'order_number_seq').toBe(true);
  });
});

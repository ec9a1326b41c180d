/**
 * The one SQL statement behind as-of-features.ts: every customer's features as they stood at the
 * end of one day or several, over the warehouse's core tables.
 *
 * "As they stood" is stricter than "ordered by then": an order counts on day D when it was
 * placed by D, had been confirmed by D (a draft or an order awaiting approval is not an order
 * yet) and had not been cancelled by D; its value is what it was on D — the lines net of
 * discount, less only what had been returned by D (fct_orders' revenue nets every return,
 * whenever it came). fct_orders has no event times, so they come from staging.stg_orders; a row
 * written without them (imports) counts the event on the order day, the earliest it can be.
 *
 * Done naively (every order joined to its events) this cost 8 s at 100,000 customers (13 M
 * lines). Only the orders placed by D with an event after D — the "touched" ones, a few
 * thousand — can differ from their current state, so the others are read as they are (revenue
 * orders, their totals) and only the touched ones are recomputed.
 *
 * Several days (the trees need the cutoff and the latest day) share one pass: every order, line
 * and activity is read once and counted for each day it belongs to. Measured reason, at 100,000
 * customers (bench/segment.ts, load ~1): both days took 6.5 s (11.3 s of CPU) as two statements
 * read as JS values, 3.8 s (7.4 s) as one read as typed arrays. A third of a day's statement was
 * reading fct_orders.total: DuckDB decodes small values stored as 128-bit integers (DECIMAL(38,2))
 * slowly — scanning total alone took 2.0 s of CPU for 3.9 M orders, revenue (DECIMAL(38,8),
 * larger values) 0.17 s — so it is read once, and fct_orders' money is DECIMAL(18,2) (64-bit):
 * the statement then took 2.45 s (4.7 s of CPU).
 *
 * The category mix — each customer's share of spend per root category, and how many root
 * categories they bought — covers the `mixWindowDays` (365) up to D: what a customer buys now,
 * and a bounded scan of the order lines however long the history is. With several days the mix's
 * categories are chosen on the first and kept for the others, so a share means the same on each.
 *
 * An order's value is its total in cents as fct_orders has it (subtotal − discount − returned,
 * which the API rounds per order), so a return after D leaves the value on D exactly as it was;
 * the category mix sums the exact line values. Money is DECIMAL in the warehouse; these are
 * statistics, so they come out as DOUBLE (the rules show money thresholds in whole units).
 */
import type { FeatureSpec } from './cart.ts';
import type { CategoryRef } from './as-of-features.ts';

/** An id or count we put into SQL text: it must be a plain integer. */
export function sqlInt(n: number): string {
  if (!Number.isSafeInteger(n)) throw new RangeError(`not an integer: ${n}`);
  return String(n);
}

/** A feature and the SQL of its value for day `k` over the final SELECT's relations. */
export type FeatureSql = FeatureSpec & { sql: (day: string, k: number) => string };

/** The features every customer has, in their order (the mix's shares and days-since follow). */
export const BASE_FEATURES: readonly FeatureSql[] = [
  { name: 'recency_days', label: 'recency', decimals: 0, sql: (d, k) => `${d} - o.last_day_${k}` },
  { name: 'orders', label: 'orders', decimals: 0, sql: (_, k) => `o.orders_${k}` },
  { name: 'orders_90d', label: 'orders 90d', decimals: 0, sql: (_, k) => `o.orders_90d_${k}` },
  { name: 'revenue', label: 'revenue', decimals: 0, sql: (_, k) => `o.revenue_${k}` },
  { name: 'tenure_days', label: 'tenure', decimals: 0, sql: (d, k) => `${d} - o.first_day_${k}` },
  {
    name: 'average_order_value',
    label: 'avg order',
    decimals: 0,
    sql: (_, k) => `o.revenue_${k} / o.orders_${k}`,
  },
  {
    // Undefined (NaN) for a one-order customer: there is no gap yet.
    name: 'days_between_orders',
    label: 'days between orders',
    decimals: 0,
    sql: (_, k) =>
      `CASE WHEN o.orders_${k} > 1 THEN (o.last_day_${k} - o.first_day_${k}) / (o.orders_${k} - 1) END`,
  },
  {
    name: 'activities_90d',
    label: 'activities 90d',
    decimals: 0,
    sql: (_, k) => `coalesce(a.activities_90d_${k}, 0)`,
  },
  {
    name: 'categories',
    label: 'categories',
    decimals: 0,
    sql: (_, k) => `coalesce(x.categories_${k}, 0)`,
  },
];

/** What the statement is built from: the days (as SQL of $1…), the mix, the focus. */
export interface StatementPlan {
  days: readonly string[];
  window: number;
  /** SQL of the `m` relation (root, slot). */
  mixSql: string;
  slots: number;
  focus: CategoryRef | undefined;
}

/**
 * SQL of the `m` relation (root, slot): the `given` categories in their order, or, when none are
 * given, the top `slots` by spend on the first day (by_category's lines_1).
 */
export function mixRelationSql(given: readonly number[] | null, slots: number): string {
  return given
    ? given.length
      ? `SELECT * FROM (VALUES ${given.map((id, i) => `(${sqlInt(id)}, ${i + 1})`).join(', ')}) AS m(root, slot)`
      : 'SELECT NULL::BIGINT AS root, NULL::BIGINT AS slot WHERE false'
    : `SELECT root, row_number() OVER (ORDER BY sum(spend_1) DESC, root) AS slot
       FROM by_category WHERE root IS NOT NULL AND lines_1 > 0
       GROUP BY root QUALIFY slot <= ${sqlInt(slots)}`;
}

/**
 * The statement for every day of `plan`, parameters $1… the days. Each day k is a constant
 * expression of its parameter, never a joined relation: DuckDB pushes constant filters into the
 * scans and plans the small "touched" join with the small side built (a CROSS JOIN of the
 * parameters made it hash 3.3 M orders: 1.8 s of 3.7 s).
 */
export function featuresSql(plan: StatementPlan): string {
  const { days, window, slots, focus } = plan;
  const ks = days.map((_, k) => k + 1);
  const D = (k: number) => `CAST($${k} AS DATE)`;
  const AFTER = (k: number) => `CAST(${D(k)} + 1 AS TIMESTAMPTZ)`;
  const MIX_FROM = (k: number) => `${D(k)} - ${sqlInt(window)}`;
  const by = (pick: (a: string, b: string) => boolean) =>
    ks.reduce((best, k) => (pick(days[k - 1]!, days[best - 1]!) ? k : best), 1);
  const LAST = D(by((a, b) => a > b));
  const FIRST = D(by((a, b) => a < b));
  const each = (f: (k: number) => string, sep = ',\n      ') => ks.map(f).join(sep);
  const any = (f: (k: number) => string) => ks.map((k) => `(${f(k)})`).join(' OR ');
  const EVENT = 'greatest(s.confirmed_at, s.cancelled_at, s.returned_at)';
  const slotColumns = (k: number) =>
    Array.from(
      { length: slots },
      (_, i) =>
        `, sum(b.spend_${k}) FILTER (WHERE m.slot = ${i + 1}) AS mix_${i + 1}_${k}` +
        `, max(b.last_day_${k}) FILTER (WHERE m.slot = ${i + 1}) AS mix_last_${i + 1}_${k}`,
    ).join('');
  const focusColumns = (k: number) =>
    focus
      ? `, sum(b.spend_${k}) FILTER (WHERE b.root = ${sqlInt(focus.id)}) AS focus_spend_${k}` +
        `, max(b.last_day_${k}) FILTER (WHERE b.root = ${sqlInt(focus.id)}) AS focus_last_day_${k}`
      : '';
  const outputs = ks.flatMap((k) => [
    ...BASE_FEATURES.map((f) => `CAST(${f.sql(D(k), k)} AS DOUBLE) AS "${f.name}_${k}"`),
    ...Array.from({ length: slots }, (_, i) => [
      `CAST(coalesce(x.mix_${i + 1}_${k}, 0) / nullif(x.window_spend_${k}, 0) AS DOUBLE) AS mix_${i + 1}_${k}`,
      `CAST(${D(k)} - x.mix_last_${i + 1}_${k} AS DOUBLE) AS since_${i + 1}_${k}`,
    ]).flat(),
    ...(focus
      ? [
          `CAST(coalesce(x.focus_spend_${k}, 0) / nullif(x.window_spend_${k}, 0) AS DOUBLE) AS focus_share_${k}`,
          `CAST(${D(k)} - x.focus_last_day_${k} AS DOUBLE) AS focus_days_since_${k}`,
        ]
      : []),
  ]);
  return `
    WITH ${each(
      (k) => `touched_${k} AS (
      SELECT o.order_id,
        coalesce(s.confirmed_at < ${AFTER(k)},
                 o.status IN ('confirmed', 'shipped', 'delivered', 'returned'))
          AND NOT coalesce(s.cancelled_at < ${AFTER(k)}, o.status = 'cancelled') AS live,
        coalesce(s.returned_at < ${AFTER(k)}, true) AS returned_by_then,
        o.subtotal - o.discount_total
          - CASE WHEN coalesce(s.returned_at < ${AFTER(k)}, true) THEN o.returned_total ELSE 0 END
          AS value
      FROM staging.stg_orders AS s
      JOIN core.fct_orders AS o ON o.order_id = s.order_id
      WHERE ${EVENT} >= ${AFTER(k)} AND o.order_date <= ${D(k)}
    )`,
    )},
    -- Each day's touched orders apart (one join each: a few thousand orders, found through
    -- stg_orders' event times before fct_orders is read), then one row per order for all days.
    touched AS MATERIALIZED (
      SELECT order_id,
      ${each(
        (k) => `bool_or(k = ${k}) AS t_${k},
      any_value(live) FILTER (WHERE k = ${k}) AS live_${k},
      any_value(returned_by_then) FILTER (WHERE k = ${k}) AS returned_${k},
      any_value(value) FILTER (WHERE k = ${k}) AS value_${k}`,
      )}
      FROM (${ks.map((k) => `SELECT ${k} AS k, * FROM touched_${k}`).join(' UNION ALL ')})
      GROUP BY order_id
    ),
    -- An order touched on day k is taken as it stood then, any other as it is now. Its day and
    -- value for day k are NULL when it did not count on day k, so the aggregates below need no
    -- FILTER (a FILTER per aggregate and day took ~10 % longer: each is a pass of its own).
    live AS (
      SELECT o.customer_id,
      ${each((k) => {
        const counts = `o.order_date <= ${D(k)}
          AND CASE WHEN t.t_${k} THEN t.live_${k} ELSE o.is_revenue END`;
        return `CASE WHEN ${counts} THEN o.order_date END AS day_${k},
      CASE WHEN ${counts} THEN CASE WHEN t.t_${k} THEN t.value_${k} ELSE o.total END END
        AS value_${k}`;
      })}
      FROM core.fct_orders AS o
      LEFT JOIN touched AS t ON t.order_id = o.order_id
      WHERE o.order_date <= ${LAST}
    ),
    per_customer AS (
      SELECT customer_id,
      ${each(
        (k) => `count(day_${k}) AS orders_${k},
      count(CASE WHEN day_${k} > ${D(k)} - 90 THEN 1 END) AS orders_90d_${k},
      sum(value_${k}) AS revenue_${k}, min(day_${k}) AS first_day_${k}, max(day_${k}) AS last_day_${k}`,
      )}
      FROM live
      WHERE ${any((k) => `day_${k} IS NOT NULL`)}
      GROUP BY customer_id
    ),
    -- The root category per product, once per product rather than once per line.
    product_roots AS (
      SELECT product_id, coalesce(category_path[1], category_id) AS root FROM core.dim_products
    ),
    -- Lines of untouched orders as they are, of touched ones recomputed: two scans, but the
    -- first reads none of the columns only touched lines need (1.1 s instead of 1.9 s at 6.9 M
    -- lines). Values stay DECIMAL until summed: DuckDB adds doubles in whatever order its
    -- threads finish, and the same data gave sums differing in the last bits from run to run.
    line_values AS (
      SELECT l.customer_id, l.product_id,
      ${each((k) => {
        const counts = `l.order_date <= ${D(k)} AND l.order_date > ${MIX_FROM(k)}`;
        return `CASE WHEN ${counts} THEN l.order_date END AS day_${k},
      CASE WHEN ${counts} THEN l.line_revenue END AS value_${k}`;
      })}
      FROM core.fct_order_lines AS l
      ANTI JOIN touched AS t ON t.order_id = l.order_id
      WHERE l.is_revenue AND l.order_date <= ${LAST} AND l.order_date > ${MIX_FROM(by((a, b) => a < b))}
      UNION ALL
      SELECT l.customer_id, l.product_id,
      ${each((k) => {
        const counts = `CASE WHEN t.t_${k} THEN t.live_${k} AND l.order_date > ${MIX_FROM(k)}
          ELSE l.is_revenue AND l.order_date <= ${D(k)} AND l.order_date > ${MIX_FROM(k)} END`;
        return `CASE WHEN ${counts} THEN l.order_date END AS day_${k},
      CASE WHEN ${counts} THEN CASE WHEN t.t_${k} THEN l.line_gross - l.line_discount
          - CASE WHEN t.returned_${k} THEN l.line_returned ELSE 0 END
        ELSE l.line_revenue END END AS value_${k}`;
      })}
      FROM core.fct_order_lines AS l
      JOIN touched AS t ON t.order_id = l.order_id
      WHERE l.order_date > ${MIX_FROM(by((a, b) => a < b))}
    ),
    -- lines_1: the first day's categories, the mix's candidates (later days keep its mix).
    by_category AS (
      SELECT v.customer_id, d.root, count(v.day_1) AS lines_1,
      ${each((k) => `sum(v.value_${k}) AS spend_${k}, max(v.day_${k}) AS last_day_${k}`)}
      FROM line_values AS v
      LEFT JOIN product_roots AS d ON d.product_id = v.product_id
      WHERE ${any((k) => `v.day_${k} IS NOT NULL`)}
      GROUP BY v.customer_id, d.root
    ),
    m AS (${plan.mixSql}),
    mix AS (
      SELECT b.customer_id,
      ${each(
        (k) => `sum(b.spend_${k}) AS window_spend_${k},
      count(*) FILTER (WHERE b.spend_${k} > 0 AND b.root IS NOT NULL) AS categories_${k}
      ${slotColumns(k)}${focusColumns(k)}`,
      )}
      FROM by_category AS b LEFT JOIN m ON m.root = b.root
      GROUP BY b.customer_id
    ),
    activity AS (
      SELECT customer_id,
      ${each((k) => `count(*) FILTER (WHERE done_date <= ${D(k)} AND done_date > ${D(k)} - 90) AS activities_90d_${k}`)}
      FROM core.fct_activities
      WHERE done_date <= ${LAST} AND done_date > ${FIRST} - 90 AND customer_id IS NOT NULL
      GROUP BY customer_id
    )
    SELECT CAST(o.customer_id AS DOUBLE) AS customer_id, c.customer_code, c.is_deleted,
           (SELECT list(CAST(root AS DOUBLE) ORDER BY slot) FROM m) AS mix_ids,
           ${outputs.join(',\n           ')}
    FROM per_customer AS o
    JOIN core.dim_customers AS c ON c.customer_id = o.customer_id
    LEFT JOIN mix AS x ON x.customer_id = o.customer_id
    LEFT JOIN activity AS a ON a.customer_id = o.customer_id
    ORDER BY o.customer_id`;
}

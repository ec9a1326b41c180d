/**
 * The two big files' upserts: orders (with totals from the staged lines) and order_lines (split
 * into an UPDATE of lines that exist and a plain INSERT of new ones), and order totals.
 */
import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { counted, countRows } from './counting.ts';
import type { PhaseTimer, UpsertCounts } from './load.ts';

/** Upsert staged orders; their lines' staging table, if any, gives a new order its totals. */
export async function upsertOrders(
  trx: Transaction<DB>,
  stage: string,
  time: PhaseTimer,
  linesStage: string | undefined,
): Promise<UpsertCounts> {
  const s = sql.table(stage);
  // Historical orders keep their dates and status and never move stock. A new order gets
  // its totals here, from the staged lines: writing them later would UPDATE every order
  // just inserted (16 s of a 47 s import of 300k lines). order_lines still recomputes them
  // from what it loaded and writes any that differ.
  const counts = await time('orders: upsert', () =>
    counted(
      trx,
      sql`
        INSERT INTO orders (number, customer_id, rep_id, status, source, ordered_at, confirmed_at,
                            shipped_at, cancelled_at, subtotal, discount_total, returned_total,
                            total)
        SELECT s.number, c.id, r.id, s.status, 'import', s.ordered_at,
               CASE WHEN s.status <> 'cancelled' THEN s.ordered_at END,
               s.shipped_at,
               CASE WHEN s.status = 'cancelled' THEN s.ordered_at END,
               coalesce(t.subtotal, 0), coalesce(t.discount, 0),
               CASE WHEN s.status = 'returned' THEN coalesce(t.subtotal - t.discount, 0) ELSE 0 END,
               CASE WHEN s.status = 'returned' THEN 0 ELSE coalesce(t.subtotal - t.discount, 0) END
        FROM ${s} s JOIN customers c ON c.code = s.customer_code
        LEFT JOIN sales_reps r ON r.code = s.rep_code
        LEFT JOIN (${stagedTotals(linesStage)}) t ON t.order_number = s.number
        ON CONFLICT (number) DO UPDATE SET customer_id = EXCLUDED.customer_id,
          rep_id = EXCLUDED.rep_id, status = EXCLUDED.status, ordered_at = EXCLUDED.ordered_at,
          confirmed_at = EXCLUDED.confirmed_at, shipped_at = EXCLUDED.shipped_at,
          cancelled_at = EXCLUDED.cancelled_at
        WHERE orders.source = 'import'
          AND (orders.customer_id, orders.rep_id, orders.status, orders.ordered_at, orders.shipped_at)
          IS DISTINCT FROM (EXCLUDED.customer_id, EXCLUDED.rep_id, EXCLUDED.status,
                            EXCLUDED.ordered_at, EXCLUDED.shipped_at)`,
    ),
  );
  // A status that moved to or from 'returned' changes what the existing lines returned. Only
  // an order this run updated can need it (a new one has no lines yet, an unchanged one is
  // consistent), so a first import skips the two statements.
  if (counts.updated === 0) return counts;
  await time('orders: returned quantities', () =>
    sql`
        UPDATE order_lines ol
        SET returned_quantity = CASE WHEN o.status = 'returned' THEN ol.quantity ELSE 0 END
        FROM ${s} s JOIN orders o ON o.number = s.number AND o.source = 'import'
        WHERE ol.order_id = o.id
          AND ol.returned_quantity <> CASE WHEN o.status = 'returned' THEN ol.quantity ELSE 0 END`.execute(
      trx,
    ),
  );
  await time('orders: totals', () =>
    updateTotals(
      trx,
      sql`SELECT ol.order_id, ol.quantity, ol.unit_price, ol.discount, ol.returned_quantity
              FROM ${s} s JOIN orders o ON o.number = s.number AND o.source = 'import'
              JOIN order_lines ol ON ol.order_id = o.id`,
    ),
  );
  return counts;
}

/**
 * Subtotal and discount per order number from the staged order_lines (lines with an unknown sku
 * left out, as order_lines will leave them out), by the money rule of api/orders/money.ts
 * orderTotals; no rows when that file is not part of the run. A new order is either not returned
 * (returned 0, total = subtotal − discount) or returned whole (discount + returns = the exact
 * gross, so returned = subtotal − discount and total 0).
 */
function stagedTotals(linesStage: string | undefined): RawBuilder<unknown> {
  if (!linesStage)
    return sql`SELECT NULL::text AS order_number, NULL::numeric AS subtotal, NULL::numeric AS discount WHERE false`;
  return sql`
    SELECT l.order_number, round(sum(l.quantity * l.unit_price), 2) AS subtotal,
           round(sum(l.quantity * l.unit_price * coalesce(l.discount, 0)), 2) AS discount
    FROM ${sql.table(linesStage)} l
    WHERE EXISTS (SELECT 1 FROM products p WHERE p.sku = l.sku)
    GROUP BY l.order_number`;
}

/**
 * Lines are numbered per order in file order; the file is the whole truth for the orders it
 * names (lines beyond it are removed), and their totals are recomputed exactly in SQL. An order
 * imported as `returned` came back whole — the file has no per-line returns — so each of its
 * lines is returned in full and its net total is 0, as after a full return through the API.
 */
export async function upsertOrderLines(
  trx: Transaction<DB>,
  stage: string,
  time: PhaseTimer,
): Promise<UpsertCounts> {
  const s = sql.table(stage);
  // `existing` splits the upsert in two plain statements: INSERT … ON CONFLICT with RETURNING
  // cost 6.6 s per 100k lines against 3.8 s for a plain INSERT (bench, PostgreSQL 16). A
  // concurrent import of the same orders cannot slip a line in between: the orders upsert
  // before this already holds their rows until commit.
  await time('order_lines: number lines', () =>
    sql`
    CREATE TEMP TABLE import_line_numbers ON COMMIT DROP AS
    SELECT n.*, ol.order_id IS NOT NULL AS existing FROM (
      SELECT s.line, o.id AS order_id, p.id AS product_id, p.cost AS unit_cost, s.quantity,
             s.unit_price, coalesce(s.discount, 0) AS discount,
             CASE WHEN o.status = 'returned' THEN s.quantity ELSE 0 END AS returned_quantity,
             row_number() OVER (PARTITION BY o.id ORDER BY s.line)::int AS line_no
      FROM ${s} s JOIN orders o ON o.number = s.order_number JOIN products p ON p.sku = s.sku) n
    LEFT JOIN order_lines ol ON ol.order_id = n.order_id AND ol.line_no = n.line_no`.execute(trx),
  );
  // Temp tables are never analysed by autovacuum; the statements below join it to orders.
  await time('order_lines: analyze numbered lines', () =>
    sql`ANALYZE import_line_numbers`.execute(trx),
  );
  const updated = await time('order_lines: update existing', () =>
    countRows(
      trx,
      sql`
    UPDATE order_lines ol SET product_id = n.product_id, quantity = n.quantity,
      unit_price = n.unit_price, discount = n.discount,
      line_total = round(n.quantity * n.unit_price * (1 - n.discount), 2),
      unit_cost = n.unit_cost, returned_quantity = n.returned_quantity
    FROM import_line_numbers n
    WHERE n.existing AND ol.order_id = n.order_id AND ol.line_no = n.line_no
      AND (ol.product_id, ol.quantity, ol.unit_price, ol.discount, ol.returned_quantity)
        IS DISTINCT FROM (n.product_id, n.quantity, n.unit_price, n.discount, n.returned_quantity)
    RETURNING 1`,
    ),
  );
  const inserted = await time('order_lines: insert new', () =>
    countRows(
      trx,
      sql`
    INSERT INTO order_lines (order_id, line_no, product_id, quantity, unit_price, discount,
                             line_total, unit_cost, returned_quantity)
    SELECT order_id, line_no, product_id, quantity, unit_price, discount,
           round(quantity * unit_price * (1 - discount), 2), unit_cost, returned_quantity
    FROM import_line_numbers WHERE NOT existing
    ORDER BY order_id, line_no -- index and foreign-key lookups in key order, not hash order
    RETURNING 1`,
    ),
  );
  await time('order_lines: delete extra lines', () =>
    sql`
    DELETE FROM order_lines ol USING (
      SELECT order_id, max(line_no) AS last FROM import_line_numbers GROUP BY order_id) n
    WHERE ol.order_id = n.order_id AND ol.line_no > n.last`.execute(trx),
  );
  // The file is now the whole truth for these orders, so their totals are sums over
  // import_line_numbers itself, with the same values (staging cells were checked to fit the
  // line columns' scales) — no scan of order_lines. The orders upsert already wrote totals from
  // the staged lines, so normally no row differs and nothing is written.
  await time('order_lines: totals', () =>
    updateTotals(
      trx,
      sql`SELECT order_id, quantity, unit_price, discount, returned_quantity
          FROM import_line_numbers`,
    ),
  );
  return { inserted, updated };
}

/**
 * Recompute order totals from `lines` (order_id, quantity, unit_price, discount,
 * returned_quantity: every line of each order it names) by the money rule of api/orders/money.ts
 * orderTotals: subtotal = round(Σ gross), discount = round(Σ exact discount), and `taken` =
 * round(Σ exact discount + Σ exact returned net) gives returned = taken − discount and
 * total = subtotal − taken. Only orders whose figures change are written — an UPDATE here costs
 * the updated_at trigger, six index entries and, for an order inserted in this transaction, its
 * foreign-key checks again.
 */
async function updateTotals(trx: Transaction<DB>, lines: RawBuilder<unknown>) {
  await sql`
    UPDATE orders o SET subtotal = t.subtotal, discount_total = t.discount,
      returned_total = t.taken - t.discount, total = t.subtotal - t.taken
    FROM (
      SELECT order_id, round(sum(quantity * unit_price), 2) AS subtotal,
             round(sum(quantity * unit_price * discount), 2) AS discount,
             round(sum(quantity * unit_price * discount)
                   + sum(returned_quantity * unit_price * (1 - discount)), 2) AS taken
      FROM (${lines}) l
      GROUP BY order_id) t
    WHERE o.id = t.order_id
      AND (o.subtotal, o.discount_total, o.returned_total, o.total)
        IS DISTINCT FROM (t.subtotal, t.discount, t.taken - t.discount, t.subtotal - t.taken)`.execute(
    trx,
  );
}

/**
 * Per file, inside the run's one transaction: the reference checks that need the database (each
 * gives bad rows with a reason) and the upsert from the staging table. Upserts only touch rows
 * whose values change, so re-running an import is safe and does not bump updated_at.
 */
import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { FileSpec } from './specs.ts';

/** A reference check: staging rows it returns are bad, with this reason. */
interface Check {
  reason: (row: Record<string, unknown>) => string;
  query: (stage: RawBuilder<unknown>) => RawBuilder<Record<string, unknown>>;
}

/** Outcome of one file's upsert. */
export interface UpsertCounts {
  inserted: number;
  updated: number;
}

const CHECKS: Partial<Record<FileSpec['name'], Check[]>> = {
  customers: [
    {
      reason: (r) => `email ${r.email} belongs to customer ${r.other}`,
      query: (s) => sql`
        SELECT s.line, s.email, c.code AS other FROM ${s} s
        JOIN customers c ON lower(c.email) = lower(s.email) AND c.code <> s.code AND c.deleted_at IS NULL
        WHERE NOT EXISTS (SELECT 1 FROM ${s} s2 WHERE s2.code = c.code)`,
    },
    {
      reason: (r) => `email ${r.email} is also on line ${r.first}`,
      query: (s) => sql`
        SELECT line, email, first FROM (
          SELECT line, email, min(line) OVER (PARTITION BY lower(email)) AS first FROM ${s}
          WHERE email IS NOT NULL) d
        WHERE line <> first`,
    },
  ],
  reps: [
    {
      reason: (r) => `unknown team ${r.team}`,
      query: (s) => sql`
        SELECT s.line, s.team FROM ${s} s
        WHERE s.team IS NOT NULL AND NOT EXISTS (SELECT 1 FROM teams t WHERE t.name = s.team)`,
    },
  ],
  products: [
    {
      reason: (r) => `unknown category ${r.category}`,
      query: (s) => sql`
        SELECT s.line, s.category FROM ${s} s
        WHERE s.category IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM product_categories c WHERE c.name = s.category)`,
    },
  ],
  orders: [
    {
      reason: (r) => `unknown customer ${r.customer_code}`,
      query: (s) => sql`
        SELECT s.line, s.customer_code FROM ${s} s
        WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.code = s.customer_code)`,
    },
    {
      reason: (r) => `unknown rep ${r.rep_code}`,
      query: (s) => sql`
        SELECT s.line, s.rep_code FROM ${s} s
        WHERE s.rep_code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sales_reps r WHERE r.code = s.rep_code)`,
    },
    {
      reason: (r) => `order ${r.number} exists and was not imported; it is left alone`,
      query: (s) => sql`
        SELECT s.line, s.number FROM ${s} s JOIN orders o ON o.number = s.number AND o.source <> 'import'`,
    },
  ],
  order_lines: [
    {
      reason: (r) => `unknown imported order ${r.order_number}`,
      query: (s) => sql`
        SELECT s.line, s.order_number FROM ${s} s
        WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.number = s.order_number AND o.source = 'import')`,
    },
    {
      reason: (r) => `unknown product ${r.sku}`,
      query: (s) => sql`
        SELECT s.line, s.sku FROM ${s} s
        WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.sku = s.sku)`,
    },
  ],
};

/** Bad rows the database finds in a staged file: line → reason (first reason wins). */
export async function referenceProblems(
  trx: Transaction<DB>,
  spec: FileSpec,
  stage: string,
): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const check of CHECKS[spec.name] ?? []) {
    const rows = await check.query(sql.table(stage)).execute(trx);
    for (const r of rows.rows) {
      const line = Number(r.line);
      if (!out.has(line)) out.set(line, check.reason(r));
    }
  }
  return out;
}

/** Drop bad lines from the staging table (only with --skip-bad-rows). */
export async function dropLines(trx: Transaction<DB>, stage: string, lines: number[]) {
  if (lines.length === 0) return;
  await sql`
    DELETE FROM ${sql.table(stage)} s USING unnest(${lines}::int[]) AS bad(line)
    WHERE s.line = bad.line`.execute(trx);
}

async function counted(trx: Transaction<DB>, upsert: RawBuilder<unknown>): Promise<UpsertCounts> {
  const r = await sql<{ inserted: number; updated: number }>`
    WITH up AS (${upsert} RETURNING (xmax = 0) AS fresh)
    SELECT count(*) FILTER (WHERE fresh)::int AS inserted, count(*) FILTER (WHERE NOT fresh)::int AS updated
    FROM up`.execute(trx);
  return r.rows[0] ?? { inserted: 0, updated: 0 };
}

/** Upsert a staged file into its table. */
export async function upsertFile(
  trx: Transaction<DB>,
  spec: FileSpec,
  stage: string,
): Promise<UpsertCounts> {
  const s = sql.table(stage);
  switch (spec.name) {
    case 'categories':
      return counted(
        trx,
        sql`
        INSERT INTO product_categories (name) SELECT name FROM ${s}
        ON CONFLICT (name) DO UPDATE SET deleted_at = NULL
        WHERE product_categories.deleted_at IS NOT NULL`,
      );
    case 'teams':
      return counted(
        trx,
        sql`
        INSERT INTO teams (name) SELECT name FROM ${s}
        ON CONFLICT (name) DO UPDATE SET deleted_at = NULL WHERE teams.deleted_at IS NOT NULL`,
      );
    case 'customers':
      return counted(
        trx,
        sql`
        INSERT INTO customers (code, name, email, phone, city, country, customer_group, credit_limit)
        SELECT code, name, email, phone, city, country, customer_group, credit_limit FROM ${s}
        ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email,
          phone = EXCLUDED.phone, city = EXCLUDED.city, country = EXCLUDED.country,
          customer_group = EXCLUDED.customer_group, credit_limit = EXCLUDED.credit_limit
        WHERE (customers.name, customers.email, customers.phone, customers.city, customers.country,
               customers.customer_group, customers.credit_limit)
          IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.email, EXCLUDED.phone, EXCLUDED.city,
               EXCLUDED.country, EXCLUDED.customer_group, EXCLUDED.credit_limit)`,
      );
    case 'reps':
      return counted(
        trx,
        sql`
        INSERT INTO sales_reps (code, name, email, team_id)
        SELECT s.code, s.name, s.email, t.id FROM ${s} s LEFT JOIN teams t ON t.name = s.team
        ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email,
          team_id = EXCLUDED.team_id
        WHERE (sales_reps.name, sales_reps.email, sales_reps.team_id)
          IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.email, EXCLUDED.team_id)`,
      );
    case 'products': {
      const counts = await counted(
        trx,
        sql`
        INSERT INTO products (sku, name, category_id, list_price, cost)
        SELECT s.sku, s.name, c.id, s.list_price, s.cost FROM ${s} s
        LEFT JOIN product_categories c ON c.name = s.category
        ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name, category_id = EXCLUDED.category_id,
          list_price = EXCLUDED.list_price, cost = EXCLUDED.cost
        WHERE (products.name, products.category_id, products.list_price, products.cost)
          IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.category_id, EXCLUDED.list_price, EXCLUDED.cost)`,
      );
      // A new product, or a changed price or cost, opens a price-history row.
      await sql`
        INSERT INTO product_price_history (product_id, list_price, cost, valid_from)
        SELECT p.id, p.list_price, p.cost, clock_timestamp()
        FROM ${s} s JOIN products p ON p.sku = s.sku
        LEFT JOIN LATERAL (
          SELECT h.list_price, h.cost FROM product_price_history h WHERE h.product_id = p.id
          ORDER BY h.valid_from DESC, h.id DESC LIMIT 1) h ON true
        WHERE h.list_price IS NULL OR (h.list_price, h.cost) IS DISTINCT FROM (p.list_price, p.cost)`.execute(
        trx,
      );
      return counts;
    }
    case 'orders': {
      // Historical orders keep their dates and status and never move stock.
      const counts = await counted(
        trx,
        sql`
        INSERT INTO orders (number, customer_id, rep_id, status, source, ordered_at, confirmed_at,
                            shipped_at, cancelled_at)
        SELECT s.number, c.id, r.id, s.status, 'import', s.ordered_at,
               CASE WHEN s.status <> 'cancelled' THEN s.ordered_at END,
               s.shipped_at,
               CASE WHEN s.status = 'cancelled' THEN s.ordered_at END
        FROM ${s} s JOIN customers c ON c.code = s.customer_code
        LEFT JOIN sales_reps r ON r.code = s.rep_code
        ON CONFLICT (number) DO UPDATE SET customer_id = EXCLUDED.customer_id,
          rep_id = EXCLUDED.rep_id, status = EXCLUDED.status, ordered_at = EXCLUDED.ordered_at,
          confirmed_at = EXCLUDED.confirmed_at, shipped_at = EXCLUDED.shipped_at,
          cancelled_at = EXCLUDED.cancelled_at
        WHERE orders.source = 'import'
          AND (orders.customer_id, orders.rep_id, orders.status, orders.ordered_at, orders.shipped_at)
          IS DISTINCT FROM (EXCLUDED.customer_id, EXCLUDED.rep_id, EXCLUDED.status,
                            EXCLUDED.ordered_at, EXCLUDED.shipped_at)`,
      );
      // A status that moved to or from 'returned' changes what the existing lines returned. Only
      // an order this run updated can need it (a new one has no lines yet, an unchanged one is
      // consistent), so a first import skips the two statements.
      if (counts.updated === 0) return counts;
      await sql`
        UPDATE order_lines ol
        SET returned_quantity = CASE WHEN o.status = 'returned' THEN ol.quantity ELSE 0 END
        FROM ${s} s JOIN orders o ON o.number = s.number AND o.source = 'import'
        WHERE ol.order_id = o.id
          AND ol.returned_quantity <> CASE WHEN o.status = 'returned' THEN ol.quantity ELSE 0 END`.execute(
        trx,
      );
      await updateTotals(
        trx,
        sql`SELECT o.id FROM ${s} s JOIN orders o ON o.number = s.number AND o.source = 'import'`,
      );
      return counts;
    }
    case 'order_lines':
      return upsertOrderLines(trx, stage);
  }
}

/**
 * Lines are numbered per order in file order; the file is the whole truth for the orders it
 * names (lines beyond it are removed), and their totals are recomputed exactly in SQL. An order
 * imported as `returned` came back whole — the file has no per-line returns — so each of its
 * lines is returned in full and its net total is 0, as after a full return through the API.
 */
async function upsertOrderLines(trx: Transaction<DB>, stage: string): Promise<UpsertCounts> {
  const s = sql.table(stage);
  await sql`
    CREATE TEMP TABLE import_line_numbers ON COMMIT DROP AS
    SELECT s.line, o.id AS order_id, p.id AS product_id, p.cost AS unit_cost, s.quantity,
           s.unit_price, coalesce(s.discount, 0) AS discount,
           CASE WHEN o.status = 'returned' THEN s.quantity ELSE 0 END AS returned_quantity,
           row_number() OVER (PARTITION BY o.id ORDER BY s.line)::int AS line_no
    FROM ${s} s JOIN orders o ON o.number = s.order_number JOIN products p ON p.sku = s.sku`.execute(
    trx,
  );
  const counts = await counted(
    trx,
    sql`
    INSERT INTO order_lines (order_id, line_no, product_id, quantity, unit_price, discount,
                             line_total, unit_cost, returned_quantity)
    SELECT order_id, line_no, product_id, quantity, unit_price, discount,
           round(quantity * unit_price * (1 - discount), 2), unit_cost, returned_quantity
    FROM import_line_numbers
    ON CONFLICT (order_id, line_no) DO UPDATE SET product_id = EXCLUDED.product_id,
      quantity = EXCLUDED.quantity, unit_price = EXCLUDED.unit_price, discount = EXCLUDED.discount,
      line_total = EXCLUDED.line_total, unit_cost = EXCLUDED.unit_cost,
      returned_quantity = EXCLUDED.returned_quantity
    WHERE (order_lines.product_id, order_lines.quantity, order_lines.unit_price,
           order_lines.discount, order_lines.returned_quantity)
      IS DISTINCT FROM (EXCLUDED.product_id, EXCLUDED.quantity, EXCLUDED.unit_price,
                        EXCLUDED.discount, EXCLUDED.returned_quantity)`,
  );
  await sql`
    DELETE FROM order_lines ol USING (
      SELECT order_id, max(line_no) AS last FROM import_line_numbers GROUP BY order_id) n
    WHERE ol.order_id = n.order_id AND ol.line_no > n.last`.execute(trx);
  await updateTotals(trx, sql`SELECT DISTINCT order_id FROM import_line_numbers`);
  return counts;
}

/**
 * Recompute the totals of the orders `ids` selects from their lines, rounded once from exact
 * sums as api/orders/money.ts orderTotals does; only orders whose figures change are written.
 */
async function updateTotals(trx: Transaction<DB>, ids: RawBuilder<unknown>) {
  await sql`
    UPDATE orders o SET subtotal = t.subtotal, total = t.total,
      discount_total = t.subtotal - t.net, returned_total = t.net - t.total
    FROM (
      SELECT order_id, round(sum(quantity * unit_price), 2) AS subtotal,
             round(sum(quantity * unit_price * (1 - discount)), 2) AS net,
             round(sum((quantity - returned_quantity) * unit_price * (1 - discount)), 2) AS total
      FROM order_lines WHERE order_id IN (${ids})
      GROUP BY order_id) t
    WHERE o.id = t.order_id
      AND (o.subtotal, o.total, o.discount_total, o.returned_total)
        IS DISTINCT FROM (t.subtotal, t.total, t.subtotal - t.net, t.net - t.total)`.execute(trx);
}
